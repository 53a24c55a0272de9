package dev.petrel.ops.nn;

/** Test data shared by the nn kernel tests (nodes run through {@link dev.petrel.ops.OpHarness}). */
final class NnHarness {
    private NnHarness() {}

    static float[] seq(int n) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) a[k] = k + 1;
        return a;
    }
}
