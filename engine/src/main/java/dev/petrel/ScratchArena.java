package dev.petrel;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Off-heap memory for the values of runs without a plan (the first runs of a signature, and models
 * whose shapes change every run, such as a decoder fed its growing key/value cache). Blocks are taken
 * first-fit when a node writes a value and given back after its last reader, so the arena holds the
 * live values only; it is reused run after run and grows to the largest demand it has seen, so such
 * runs allocate no tensor memory once it has settled.
 */
final class ScratchArena {
    private static final int ALIGN = 64;

    private ByteBuffer buffer;
    private int capacity;
    /** Free blocks [start, end), sorted by start, disjoint and not adjacent. */
    private int[] starts = new int[16];
    private int[] ends = new int[16];
    private int free;
    /** Bytes live now and at most during this run, counting requests that did not fit. */
    private long live;
    private long peak;

    /** Starts a run: every block free; grows first when the last run needed more than there is. */
    void reset() {
        if (peak > capacity) {
            long want = Math.min(Integer.MAX_VALUE - ALIGN, peak + peak / 4);
            capacity = (int) ((want + ALIGN - 1) / ALIGN * ALIGN);
            buffer = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
        }
        free = capacity > 0 ? 1 : 0;
        starts[0] = 0;
        ends[0] = capacity;
        live = 0;
        peak = 0;
    }

    /** Drops the memory (a plan now holds these values); the next run that needs it starts small. */
    void release() {
        buffer = null;
        capacity = 0;
        free = 0;
        live = 0;
        peak = 0;
    }

    long capacity() {
        return capacity;
    }

    /**
     * A block of {@code bytes} (rounded up to the alignment): its offset, or -1 when no free block is large
     * enough (the caller then allocates elsewhere; the demand still counts, so the next run fits).
     */
    int allocate(int bytes) {
        int size = round(bytes);
        live += size;
        peak = Math.max(peak, live);
        for (int i = 0; i < free; i++) {
            if (ends[i] - starts[i] >= size) {
                int at = starts[i];
                starts[i] += size;
                if (starts[i] == ends[i]) remove(i);
                return at;
            }
        }
        return -1;
    }

    /** Accounts for a value of {@code bytes} that was allocated elsewhere and is now dead. */
    void forget(int bytes) {
        live -= round(bytes);
    }

    /** Gives back the block at {@code offset} of {@code bytes}, merging it with free neighbours. */
    void free(int offset, int bytes) {
        int size = round(bytes);
        live -= size;
        int end = offset + size;
        int i = 0;
        while (i < free && starts[i] < offset) i++;
        boolean joinsPrevious = i > 0 && ends[i - 1] == offset;
        boolean joinsNext = i < free && starts[i] == end;
        if (joinsPrevious && joinsNext) {
            ends[i - 1] = ends[i];
            remove(i);
        } else if (joinsPrevious) {
            ends[i - 1] = end;
        } else if (joinsNext) {
            starts[i] = offset;
        } else {
            insert(i, offset, end);
        }
    }

    /** A tensor over the block at {@code offset}. */
    Tensor tensor(DType dtype, int[] dims, int offset, int bytes) {
        ByteBuffer slice = buffer.duplicate();
        ((Buffer) slice).position(offset);
        ((Buffer) slice).limit(offset + bytes);
        return Tensor.wrap(dtype, slice.slice().order(ByteOrder.LITTLE_ENDIAN), dims);
    }

    private static int round(int bytes) {
        return (int) (((long) bytes + ALIGN - 1) / ALIGN * ALIGN);
    }

    private void remove(int i) {
        System.arraycopy(starts, i + 1, starts, i, free - i - 1);
        System.arraycopy(ends, i + 1, ends, i, free - i - 1);
        free--;
    }

    private void insert(int i, int start, int end) {
        if (free == starts.length) {
            starts = java.util.Arrays.copyOf(starts, free * 2);
            ends = java.util.Arrays.copyOf(ends, free * 2);
        }
        System.arraycopy(starts, i, starts, i + 1, free - i);
        System.arraycopy(ends, i, ends, i + 1, free - i);
        starts[i] = start;
        ends[i] = end;
        free++;
    }
}
