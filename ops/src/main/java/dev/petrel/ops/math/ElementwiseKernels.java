package dev.petrel.ops.math;

import static dev.petrel.spi.KernelRegistry.LATEST;

import dev.petrel.DType;
import dev.petrel.ops.Elements;
import dev.petrel.ops.math.BinaryKernel.Op;
import dev.petrel.ops.math.UnaryKernel.Fn;
import dev.petrel.spi.KernelRegistry;
import java.util.Set;

/**
 * Registers the elementwise operators: unary math and activations, broadcasting binary arithmetic,
 * comparisons and logic, the variadic Max/Min/Sum/Mean, Where, Clip, Cast and CastLike.
 *
 * <p>Operators whose opset 1-6 forms used the legacy {@code broadcast}/{@code axis} attributes
 * (Add, Sub, Mul, Div, Pow, comparisons) are registered from opset 7, where numpy broadcasting began.
 */
public final class ElementwiseKernels {
    private ElementwiseKernels() {}

    public static void register(KernelRegistry r) {
        Set<DType> floats = Elements.FLOATS;
        Set<DType> numeric = Elements.NUMERIC;
        Set<DType> signed = Elements.SIGNED;

        unary(r, "Abs", 1, numeric, Fn.ABS);
        unary(r, "Neg", 1, signed, Fn.NEG);
        unary(r, "Sign", 9, numeric, Fn.SIGN);
        unary(r, "Ceil", 1, floats, Fn.CEIL);
        unary(r, "Floor", 1, floats, Fn.FLOOR);
        unary(r, "Round", 11, floats, Fn.ROUND);
        unary(r, "Reciprocal", 1, floats, Fn.RECIPROCAL);
        unary(r, "Sqrt", 1, floats, Fn.SQRT);
        unary(r, "Exp", 1, floats, Fn.EXP);
        unary(r, "Log", 1, floats, Fn.LOG);
        unary(r, "Erf", 9, numeric, Fn.ERF);
        unary(r, "Sin", 7, floats, Fn.SIN);
        unary(r, "Cos", 7, floats, Fn.COS);
        unary(r, "Tan", 7, floats, Fn.TAN);
        unary(r, "Asin", 7, floats, Fn.ASIN);
        unary(r, "Acos", 7, floats, Fn.ACOS);
        unary(r, "Atan", 7, floats, Fn.ATAN);
        unary(r, "Sinh", 9, floats, Fn.SINH);
        unary(r, "Cosh", 9, floats, Fn.COSH);
        unary(r, "Tanh", 1, floats, Fn.TANH);
        unary(r, "Asinh", 9, floats, Fn.ASINH);
        unary(r, "Acosh", 9, floats, Fn.ACOSH);
        unary(r, "Atanh", 9, floats, Fn.ATANH);
        unary(r, "Relu", 1, signed, Fn.RELU);
        unary(r, "LeakyRelu", 1, floats, Fn.LEAKY_RELU);
        unary(r, "Elu", 1, floats, Fn.ELU);
        unary(r, "Selu", 1, floats, Fn.SELU);
        unary(r, "Celu", 12, floats, Fn.CELU);
        unary(r, "Sigmoid", 1, floats, Fn.SIGMOID);
        unary(r, "HardSigmoid", 1, floats, Fn.HARD_SIGMOID);
        unary(r, "HardSwish", 14, floats, Fn.HARD_SWISH);
        unary(r, "Softplus", 1, floats, Fn.SOFTPLUS);
        unary(r, "Softsign", 1, floats, Fn.SOFTSIGN);
        unary(r, "ThresholdedRelu", 10, floats, Fn.THRESHOLDED_RELU);
        unary(r, "Shrink", 9, numeric, Fn.SHRINK);
        unary(r, "Gelu", 20, floats, Fn.GELU);
        unary(r, "Mish", 18, floats, Fn.MISH);
        unary(r, "Not", 1, Elements.BOOL, Fn.NOT);
        unary(r, "BitwiseNot", 18, Elements.INTS, Fn.BITWISE_NOT);

        r.add("", "IsNaN", 9, LATEST, floats, node -> IsNanOrInfKernel.isNaN());
        r.add("", "IsInf", 10, LATEST, floats, IsNanOrInfKernel::isInf);

        binary(r, "Add", 7, numeric, Op.ADD);
        binary(r, "Sub", 7, numeric, Op.SUB);
        binary(r, "Mul", 7, numeric, Op.MUL);
        binary(r, "Div", 7, numeric, Op.DIV);
        r.add("", "PRelu", 6, 6, numeric, node -> new BinaryKernel(Op.PRELU, "PRelu", true));
        binary(r, "PRelu", 7, numeric, Op.PRELU);
        binary(r, "BitwiseAnd", 18, Elements.INTS, Op.BIT_AND);
        binary(r, "BitwiseOr", 18, Elements.INTS, Op.BIT_OR);
        binary(r, "BitwiseXor", 18, Elements.INTS, Op.BIT_XOR);
        binary(r, "And", 7, Elements.BOOL, Op.BIT_AND);
        binary(r, "Or", 7, Elements.BOOL, Op.BIT_OR);
        binary(r, "Xor", 7, Elements.BOOL, Op.BIT_XOR);
        r.add("", "Mod", 10, LATEST, numeric,
                node -> new BinaryKernel(node.attributes().getInt("fmod", 0) != 0 ? Op.FMOD : Op.MOD, "Mod"));
        r.add("", "BitShift", 11, LATEST, Elements.UNSIGNED_INTS, node -> {
            String dir = node.attributes().getString("direction", "");
            if (dir.equals("LEFT")) return new BinaryKernel(Op.SHIFT_LEFT, "BitShift");
            if (dir.equals("RIGHT")) return new BinaryKernel(Op.SHIFT_RIGHT, "BitShift");
            throw new IllegalArgumentException("BitShift direction '" + dir + "' not supported: expected LEFT or RIGHT");
        });
        r.add("", "Pow", 7, LATEST, numeric, node -> new PowKernel());

        comparison(r, "Equal", 7, Elements.ALL, ComparisonKernel.Op.EQUAL);
        comparison(r, "Less", 7, numeric, ComparisonKernel.Op.LESS);
        comparison(r, "Greater", 7, numeric, ComparisonKernel.Op.GREATER);
        comparison(r, "LessOrEqual", 12, numeric, ComparisonKernel.Op.LESS_EQUAL);
        comparison(r, "GreaterOrEqual", 12, numeric, ComparisonKernel.Op.GREATER_EQUAL);

        variadic(r, "Max", numeric, VariadicKernel.Op.MAX);
        variadic(r, "Min", numeric, VariadicKernel.Op.MIN);
        variadic(r, "Sum", numeric, VariadicKernel.Op.SUM);
        variadic(r, "Mean", floats, VariadicKernel.Op.MEAN);

        r.add("", "Where", 9, LATEST, Elements.ALL, 1, node -> new WhereKernel());
        r.add("", "Clip", 1, 10, floats, ClipKernel::withAttributes);
        r.add("", "Clip", 11, LATEST, numeric, node -> ClipKernel.withInputs());
        r.add("", "Cast", 1, LATEST, Elements.ALL, CastKernel::cast);
        r.add("", "CastLike", 15, LATEST, Elements.ALL, CastKernel::castLike);
    }

    private static void unary(KernelRegistry r, String op, int from, Set<DType> types, Fn fn) {
        r.add("", op, from, LATEST, types, node -> UnaryKernel.forNode(fn, node));
    }

    private static void binary(KernelRegistry r, String op, int from, Set<DType> types, Op kind) {
        r.add("", op, from, LATEST, types, node -> new BinaryKernel(kind, op));
    }

    private static void comparison(KernelRegistry r, String op, int from, Set<DType> types, ComparisonKernel.Op kind) {
        r.add("", op, from, LATEST, types, node -> new ComparisonKernel(kind, op));
    }

    private static void variadic(KernelRegistry r, String op, Set<DType> types, VariadicKernel.Op kind) {
        r.add("", op, 1, LATEST, types, node -> new VariadicKernel(kind, op));
    }
}
