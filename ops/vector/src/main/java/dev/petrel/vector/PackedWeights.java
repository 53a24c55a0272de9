package dev.petrel.vector;

import java.lang.foreign.MemorySegment;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The micro-kernel panels ({@link PackedMatrix}) of decoder weights, one per weight buffer, shared by
 * every {@link VectorDecoderMath} of the process: each decoder (conversation) of a model reuses the
 * panels packed by the first prefill. Keyed weakly on the buffer's identity (FloatBuffer's equals
 * compares contents), so the panels go when the model does.
 */
final class PackedWeights {
    private static final Map<Key, PackedMatrix> MAP = new HashMap<>();
    private static final ReferenceQueue<FloatBuffer> QUEUE = new ReferenceQueue<>();
    private static long bytes;

    private PackedWeights() {}

    /** The panels of the {@code k × n} weight {@code w}, whose storage is {@code segment}; packed on first use. */
    static synchronized PackedMatrix of(FloatBuffer w, MemorySegment segment, int k, int n) {
        expunge();
        Key key = new Key(w, QUEUE);
        PackedMatrix p = MAP.get(key);
        if (p == null) {
            p = PackedMatrix.of(segment, 0, k, n, false);
            MAP.put(key, p);
            bytes += p.bytes();
        } else if (p.k != k || p.n != n) {
            throw new IllegalArgumentException("weight buffer used as a " + k + " x " + n + " matrix was packed as "
                    + p.k + " x " + p.n);
        }
        return p;
    }

    static synchronized long bytes() {
        expunge();
        return bytes;
    }

    private static void expunge() {
        for (Object r; (r = QUEUE.poll()) != null; ) {
            PackedMatrix p = MAP.remove(r);
            if (p != null) bytes -= p.bytes();
        }
    }

    /** Identity of a buffer, held weakly; a cleared key equals only itself. */
    private static final class Key extends WeakReference<FloatBuffer> {
        private final int hash;

        Key(FloatBuffer b, ReferenceQueue<FloatBuffer> q) {
            super(b, q);
            hash = System.identityHashCode(b);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (o == this) return true;
            if (!(o instanceof Key k)) return false;
            FloatBuffer b = get();
            return b != null && b == k.get();
        }
    }
}
