package dev.petrel.tokenizer;

import java.util.Arrays;

/**
 * The BPE merges as an open-addressing hash table from a pair of token ids to the merge's rank and
 * the id of the merged token: no boxing, about 24 bytes a merge.
 */
final class MergeTable {
    private static final long EMPTY = -1L;
    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int mask;
    private int size;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        ranks = new int[capacity];
        results = new int[capacity];
        mask = capacity - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        int i = (int) (h ^ (h >>> 29)) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    /** Adds or replaces a merge: a pair listed twice keeps its last rank, as a Python dict built from the list would. */
    void put(int left, int right, int rank, int result) {
        long k = key(left, right);
        int i = slot(k);
        if (keys[i] == EMPTY) {
            if (++size > keys.length * 3 / 4) throw new IllegalStateException("merge table sized for fewer merges");
            keys[i] = k;
        }
        ranks[i] = rank;
        results[i] = result;
    }

    /** The slot of a pair, or -1 when the pair is not a merge. */
    int find(int left, int right) {
        int i = slot(key(left, right));
        return keys[i] == EMPTY ? -1 : i;
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int result(int slot) {
        return results[slot];
    }

    int size() {
        return size;
    }
}
