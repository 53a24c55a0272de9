package dev.petrel.llm;

import dev.petrel.UnsupportedFeatureException;

/** The MLP activations of Hugging Face's {@code ACT2FN} that GPT-2 checkpoints use. */
public enum Activation {
    /** {@code 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))}: "gelu_new", "gelu_pytorch_tanh", "gelu_fast". */
    GELU_TANH("gelu_new"),
    /** {@code 0.5·x·(1 + erf(x/√2))}: "gelu". */
    GELU_ERF("gelu"),
    RELU("relu"),
    /** {@code x·sigmoid(x)}: "silu", "swish". */
    SILU("silu"),
    /** {@code x·sigmoid(1.702·x)}: "quick_gelu". */
    QUICK_GELU("quick_gelu");

    /** The name {@code config.json} uses. */
    public final String configName;

    Activation(String configName) {
        this.configName = configName;
    }

    static Activation of(String name, String where) {
        switch (name) {
            case "gelu_new": case "gelu_pytorch_tanh": case "gelu_fast": return GELU_TANH;
            case "gelu": return GELU_ERF;
            case "relu": return RELU;
            case "silu": case "swish": return SILU;
            case "quick_gelu": return QUICK_GELU;
            default:
                throw new UnsupportedFeatureException(where + ": activation_function '" + name + "' is not supported"
                        + " (supported: gelu_new, gelu_pytorch_tanh, gelu_fast, gelu, relu, silu, swish, quick_gelu)");
        }
    }

    /** The activation of one value, computed in double and rounded once. */
    public float apply(float v) {
        double x = v;
        switch (this) {
            case GELU_TANH: return (float) (0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))));
            case GELU_ERF: return (float) (0.5 * x * (1 + erf(x * INV_SQRT_2)));
            case RELU: return v > 0 ? v : 0f;
            case SILU: return (float) (x / (1 + Math.exp(-x)));
            case QUICK_GELU: return (float) (x / (1 + Math.exp(-1.702 * x)));
            default: throw new AssertionError(this);
        }
    }

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    /**
     * The error function to about 1e-13 absolute: the Maclaurin series below |x| = 3 (its largest term,
     * about e^9, costs four of double's sixteen digits), the continued fraction of erfc up to 6, and ±1
     * beyond, where erfc is under 2e-17.
     */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double x2 = a * a, term = a, sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
            }
            r = TWO_OVER_SQRT_PI * sum;
        } else if (a < 6) {
            // erfc(a) = exp(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + ...))))), evaluated bottom up.
            double f = a;
            for (int k = 60; k >= 1; k--) f = a + (k / 2.0) / f;
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
        } else {
            r = 1;
        }
        return x < 0 ? -r : r;
    }
}
