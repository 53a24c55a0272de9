package dev.petrel.ops.rnn;

import dev.petrel.UnsupportedFeatureException;
import java.util.List;
import java.util.Locale;

/** The activation functions the recurrent operators accept in their {@code activations} attribute. */
final class Activation {
    private enum Fn { RELU, TANH, SIGMOID, AFFINE, LEAKYRELU, THRESHOLDEDRELU, SCALEDTANH, HARDSIGMOID, ELU, SOFTSIGN, SOFTPLUS }

    private final Fn fn;
    private final double alpha;
    private final double beta;

    private Activation(Fn fn, double alpha, double beta) {
        this.fn = fn;
        this.alpha = alpha;
        this.beta = beta;
    }

    static final Activation SIGMOID = new Activation(Fn.SIGMOID, 0, 0);
    static final Activation TANH = new Activation(Fn.TANH, 0, 0);

    double apply(double x) {
        switch (fn) {
            case RELU: return Math.max(0, x);
            case TANH: return Math.tanh(x);
            case SIGMOID: return sigmoid(x);
            case AFFINE: return alpha * x + beta;
            case LEAKYRELU: return x >= 0 ? x : alpha * x;
            case THRESHOLDEDRELU: return x >= alpha ? x : 0;
            case SCALEDTANH: return alpha * Math.tanh(beta * x);
            case HARDSIGMOID: return Math.min(Math.max(alpha * x + beta, 0), 1);
            case ELU: return x >= 0 ? x : alpha * (Math.exp(x) - 1);
            case SOFTSIGN: return x / (1 + Math.abs(x));
            case SOFTPLUS: return x > 30 ? x : Math.log1p(Math.exp(x));
            default: throw new AssertionError(fn);
        }
    }

    private static double sigmoid(double x) {
        // Written so that neither branch overflows exp.
        if (x >= 0) return 1 / (1 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1 + e);
    }

    /**
     * The functions for every gate slot of every direction. {@code names} null means the defaults.
     * activation_alpha/beta are consumed in order by the functions that take them; a function whose
     * value the lists do not reach uses its conventional default.
     */
    static Activation[] parse(List<String> names, float[] alphas, float[] betas, Activation[] defaults, int directions, String op) {
        int per = defaults.length;
        Activation[] out = new Activation[per * directions];
        if (names == null) {
            for (int d = 0; d < directions; d++) System.arraycopy(defaults, 0, out, d * per, per);
            return out;
        }
        if (names.size() != per && names.size() != per * directions) {
            throw new IllegalArgumentException(op + " activations lists " + names.size() + " functions; expected "
                    + per * directions + " (" + per + " per direction)");
        }
        int ai = 0;
        int bi = 0;
        Activation[] parsed = new Activation[names.size()];
        for (int k = 0; k < names.size(); k++) {
            String name = names.get(k);
            Fn fn;
            try {
                fn = Fn.valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UnsupportedFeatureException(op + " activation '" + name + "' is not supported");
            }
            double alpha = defaultAlpha(fn);
            double beta = defaultBeta(fn);
            if (usesAlpha(fn) && alphas != null && ai < alphas.length) alpha = alphas[ai++];
            if (usesBeta(fn) && betas != null && bi < betas.length) beta = betas[bi++];
            parsed[k] = new Activation(fn, alpha, beta);
        }
        for (int d = 0; d < directions; d++) {
            for (int k = 0; k < per; k++) out[d * per + k] = parsed[names.size() == per ? k : d * per + k];
        }
        return out;
    }

    private static boolean usesAlpha(Fn fn) {
        switch (fn) {
            case AFFINE: case LEAKYRELU: case THRESHOLDEDRELU: case SCALEDTANH: case HARDSIGMOID: case ELU: return true;
            default: return false;
        }
    }

    private static boolean usesBeta(Fn fn) {
        return fn == Fn.AFFINE || fn == Fn.SCALEDTANH || fn == Fn.HARDSIGMOID;
    }

    private static double defaultAlpha(Fn fn) {
        switch (fn) {
            case LEAKYRELU: return 0.01;
            case HARDSIGMOID: return 0.2;
            case AFFINE: case THRESHOLDEDRELU: case SCALEDTANH: case ELU: return 1.0;
            default: return 0;
        }
    }

    private static double defaultBeta(Fn fn) {
        switch (fn) {
            case HARDSIGMOID: return 0.5;
            case SCALEDTANH: return 1.0;
            default: return 0;
        }
    }
}
