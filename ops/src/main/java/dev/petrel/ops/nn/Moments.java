package dev.petrel.ops.nn;

/**
 * Mean and population variance of a contiguous run of values, summed in index order in double: the
 * statistics step of the normalizations that work on contiguous slices (Group, Instance, Layer).
 * Each kernel keeps its own final arithmetic, since the order of its operations decides its rounding.
 */
final class Moments {
    private Moments() {}

    /** The mean of {@code a[from .. from+len)}; 0 for an empty run. */
    static double mean(double[] a, int from, int len) {
        double sum = 0;
        for (int j = 0; j < len; j++) sum += a[from + j];
        return len == 0 ? 0 : sum / len;
    }

    /** The population variance of {@code a[from .. from+len)} around {@code mean}; 0 for an empty run. */
    static double variance(double[] a, int from, int len, double mean) {
        double sq = 0;
        for (int j = 0; j < len; j++) {
            double d = a[from + j] - mean;
            sq += d * d;
        }
        return len == 0 ? 0 : sq / len;
    }
}
