package dev.petrel.ops.quant;

import dev.petrel.spi.Parallel;

/**
 * {@code y[m, n] = sum_k a[m, k] * w[n, k] (+ bias[n])} where each weight row n is produced on demand
 * by a {@link Rows} decoder into a K-float scratch: the weights stay packed, each row is decoded once
 * per call and used for every row of a. The sum runs over k in order in fp32, the reference order.
 * Work is split over n in parts, two per thread, each with its own scratch (grown, never per run).
 */
final class DequantRowsMatMul {
    /** Decodes weight row n (K values) into {@code w}. */
    interface Rows {
        void decode(int n, float[] w);
    }

    private float[][] scratch = new float[0][];

    void run(Parallel parallel, float[] a, int m, int k, int n, Rows rows, float[] bias, float[] y) {
        int parts = Math.max(1, Math.min(n, parallel.threads() * 2));
        if (scratch.length < parts || (parts > 0 && (scratch[0] == null || scratch[0].length < k))) {
            float[][] s = new float[Math.max(parts, scratch.length)][];
            for (int p = 0; p < s.length; p++) s[p] = new float[k];
            scratch = s;
        }
        float[][] sc = scratch;
        parallel.forRange(parts, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                float[] w = sc[p];
                int from = (int) ((long) n * p / parts);
                int to = (int) ((long) n * (p + 1) / parts);
                for (int j = from; j < to; j++) {
                    rows.decode(j, w);
                    for (int i = 0; i < m; i++) {
                        float s = 0f;
                        int ao = i * k;
                        for (int t = 0; t < k; t++) s += a[ao + t] * w[t];
                        y[i * n + j] = bias == null ? s : s + bias[j];
                    }
                }
            }
        });
    }
}
