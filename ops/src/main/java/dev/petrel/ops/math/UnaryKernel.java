package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;

/**
 * Every one-input, same-shape, same-type elementwise operator: math functions and activations.
 * FLOAT runs tight per-function loops; the other floating types compute in double and round back
 * once; integer and bool types use the integer form of the few functions the spec allows on them.
 */
final class UnaryKernel implements Kernel {
    enum Fn {
        ABS, NEG, SIGN, CEIL, FLOOR, ROUND, RECIPROCAL, SQRT, EXP, LOG, ERF,
        SIN, COS, TAN, ASIN, ACOS, ATAN, SINH, COSH, TANH, ASINH, ACOSH, ATANH,
        RELU, LEAKY_RELU, ELU, SELU, CELU, SIGMOID, HARD_SIGMOID, HARD_SWISH, SOFTPLUS, SOFTSIGN,
        THRESHOLDED_RELU, SHRINK, GELU, GELU_TANH, MISH, NOT, BITWISE_NOT
    }

    private static final double SQRT_2_OVER_PI = 0.7978845608028654;
    private static final double SQRT_HALF = 0.7071067811865476;

    private final Fn fn;
    private final double alpha;
    private final double beta;
    private final double gamma;
    private final float alphaF;

    UnaryKernel(Fn fn, double alpha, double beta, double gamma) {
        this.fn = fn;
        this.alpha = alpha;
        this.beta = beta;
        this.gamma = gamma;
        this.alphaF = (float) alpha;
    }

    UnaryKernel(Fn fn) {
        this(fn, 0, 0, 0);
    }

    /** Reads the function's attributes (with the spec defaults) from the node. */
    static UnaryKernel forNode(Fn fn, Node node) {
        Attributes a = node.attributes();
        switch (fn) {
            case LEAKY_RELU: return new UnaryKernel(fn, a.getFloat("alpha", 0.01f), 0, 0);
            case ELU: case CELU: case THRESHOLDED_RELU: return new UnaryKernel(fn, a.getFloat("alpha", 1.0f), 0, 0);
            case SELU:
                return new UnaryKernel(fn, a.getFloat("alpha", 1.67326319217681884765625f), 0,
                        a.getFloat("gamma", 1.05070102214813232421875f));
            case HARD_SIGMOID: return new UnaryKernel(fn, a.getFloat("alpha", 0.2f), a.getFloat("beta", 0.5f), 0);
            case SHRINK: return new UnaryKernel(fn, a.getFloat("bias", 0.0f), a.getFloat("lambd", 0.5f), 0);
            case GELU: {
                String approx = a.getString("approximate", "none");
                if (approx.equals("tanh")) return new UnaryKernel(Fn.GELU_TANH);
                if (!approx.equals("none")) {
                    throw new UnsupportedFeatureException("Gelu approximate='" + approx + "' not supported: expected 'none' or 'tanh'");
                }
                return new UnaryKernel(fn);
            }
            default: return new UnaryKernel(fn);
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor y = ctx.output(0, x.dtype(), x.dims());
        DType t = x.dtype();
        if (t == DType.FLOAT) {
            runFloat(x.floats(), y.floats(), x.size());
        } else if (t.isFloatingPoint()) {
            double[] v = Elements.toDoubles(x);
            for (int i = 0; i < v.length; i++) v[i] = apply(v[i]);
            Elements.storeDoubles(y, v);
        } else if (fn == Fn.SHRINK || fn == Fn.ERF) {
            double[] v = Elements.toDoubles(x);
            for (int i = 0; i < v.length; i++) v[i] = apply(v[i]);
            Elements.storeDoubles(y, v);
        } else {
            long[] v = Elements.toLongs(x);
            boolean unsigned = t.isUnsigned();
            for (int i = 0; i < v.length; i++) v[i] = applyInteger(v[i], unsigned, t);
            Elements.storeLongs(y, v);
        }
    }

    private void runFloat(FloatBuffer x, FloatBuffer y, int n) {
        // The commonest functions get their own loop so the JIT sees straight-line float code.
        switch (fn) {
            case RELU:
                for (int i = 0; i < n; i++) { float v = x.get(i); y.put(i, v > 0f ? v : v == v ? 0f : v); }
                break;
            case LEAKY_RELU:
                for (int i = 0; i < n; i++) { float v = x.get(i); y.put(i, v < 0f ? v * alphaF : v); }
                break;
            case NEG:
                for (int i = 0; i < n; i++) y.put(i, -x.get(i));
                break;
            case ABS:
                for (int i = 0; i < n; i++) y.put(i, Math.abs(x.get(i)));
                break;
            case SQRT:
                for (int i = 0; i < n; i++) y.put(i, (float) Math.sqrt(x.get(i)));
                break;
            case EXP:
                for (int i = 0; i < n; i++) y.put(i, (float) Math.exp(x.get(i)));
                break;
            case TANH:
                for (int i = 0; i < n; i++) y.put(i, (float) Math.tanh(x.get(i)));
                break;
            case SIGMOID:
                for (int i = 0; i < n; i++) y.put(i, (float) sigmoid(x.get(i)));
                break;
            case RECIPROCAL:
                for (int i = 0; i < n; i++) y.put(i, 1f / x.get(i));
                break;
            case GELU:
                for (int i = 0; i < n; i++) { double v = x.get(i); y.put(i, (float) (0.5 * v * (1.0 + Erf.erf(v * SQRT_HALF)))); }
                break;
            default:
                for (int i = 0; i < n; i++) y.put(i, (float) apply(x.get(i)));
        }
    }

    /** The function on one value in double precision. */
    double apply(double x) {
        switch (fn) {
            case ABS: return Math.abs(x);
            case NEG: return -x;
            case SIGN: return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x;
            case CEIL: return Math.ceil(x);
            case FLOOR: return Math.floor(x);
            case ROUND: return Math.rint(x);
            case RECIPROCAL: return 1.0 / x;
            case SQRT: return Math.sqrt(x);
            case EXP: return Math.exp(x);
            case LOG: return Math.log(x);
            case ERF: return Erf.erf(x);
            case SIN: return Math.sin(x);
            case COS: return Math.cos(x);
            case TAN: return Math.tan(x);
            case ASIN: return Math.asin(x);
            case ACOS: return Math.acos(x);
            case ATAN: return Math.atan(x);
            case SINH: return Math.sinh(x);
            case COSH: return Math.cosh(x);
            case TANH: return Math.tanh(x);
            case ASINH: return asinh(x);
            case ACOSH: return x < 1.0 ? Double.NaN : Math.log(x + Math.sqrt(x * x - 1.0));
            case ATANH: return 0.5 * Math.log1p(2.0 * x / (1.0 - x));
            case RELU: return x > 0 ? x : x == x ? 0.0 : x;
            case LEAKY_RELU: return x < 0 ? alpha * x : x;
            case ELU: return x < 0 ? alpha * Math.expm1(x) : x;
            case SELU: return x > 0 ? gamma * x : gamma * alpha * Math.expm1(x);
            case CELU: return Math.max(0.0, x) + Math.min(0.0, alpha * Math.expm1(x / alpha));
            case SIGMOID: return sigmoid(x);
            case HARD_SIGMOID: return Math.max(0.0, Math.min(1.0, alpha * x + beta));
            case HARD_SWISH: return x * Math.max(0.0, Math.min(1.0, x / 6.0 + 0.5));
            case SOFTPLUS: return softplus(x);
            case SOFTSIGN: return x / (1.0 + Math.abs(x));
            case THRESHOLDED_RELU: return x > alpha ? x : 0.0;
            case SHRINK: return x < -beta ? x + alpha : x > beta ? x - alpha : 0.0;
            case GELU: return 0.5 * x * (1.0 + Erf.erf(x * SQRT_HALF));
            case GELU_TANH: return 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            case MISH: return x * Math.tanh(softplus(x));
            default: throw new IllegalArgumentException(fn + " is not defined on floating-point tensors");
        }
    }

    private long applyInteger(long v, boolean unsigned, DType t) {
        switch (fn) {
            case ABS: return unsigned ? v : Math.abs(v);
            case NEG: return -v;
            case SIGN: return unsigned ? (v != 0 ? 1 : 0) : Long.signum(v);
            case RELU: return unsigned || v > 0 ? v : 0;
            case NOT: return v != 0 ? 0 : 1;
            case BITWISE_NOT: return ~v;
            default: throw new IllegalArgumentException(fn + " is not defined on " + t + " tensors");
        }
    }

    private static double sigmoid(double x) {
        if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    private static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    private static double asinh(double x) {
        double a = Math.abs(x);
        double r = a > 1e8 ? Math.log(a) + Math.log(2.0) : Math.log1p(a + a * a / (1.0 + Math.sqrt(1.0 + a * a)));
        return x < 0 ? -r : r;
    }
}
