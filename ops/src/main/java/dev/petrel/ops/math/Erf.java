package dev.petrel.ops.math;

/**
 * The error function in double precision (Java 17 has none), accurate to a few ulps of double, far
 * beyond what float and half outputs need.
 *
 * <p>Below |x| = 3 it sums the everywhere-positive series
 * {@code erf(x) = 2/sqrt(pi) * exp(-x^2) * sum 2^n x^(2n+1) / (2n+1)!!}, which has no cancellation.
 * Above, it evaluates the continued fraction of {@code erfc}, which converges fast for large x and
 * keeps the tiny complement accurate.
 */
final class Erf {
    private Erf() {}

    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double ONE_OVER_SQRT_PI = 0.5641895835477563;

    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double a = Math.abs(x);
        double r;
        if (a < 3.0) {
            r = series(a);
        } else if (a < 7.0) {
            r = 1.0 - erfcFraction(a);
        } else {
            r = 1.0;
        }
        return x < 0 ? -r : r;
    }

    /** erfc for x >= 0. */
    static double erfc(double x) {
        return x < 3.0 ? 1.0 - series(x) : x < 27.0 ? erfcFraction(x) : 0.0;
    }

    private static double series(double x) {
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= 2.0 * x2 / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    }

    /** erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up. */
    private static double erfcFraction(double x) {
        double f = x;
        for (int k = 60; k >= 1; k--) f = x + (k * 0.5) / f;
        return ONE_OVER_SQRT_PI * Math.exp(-x * x) / f;
    }
}
