package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.spi.KernelRegistry;
import java.util.EnumSet;

/**
 * Registers the portable kernels of the tensor family: the data-movement and shape operators. They
 * move elements by byte width, so every storable element type is accepted (types null) unless the
 * spec restricts the operator.
 */
public final class TensorKernels {
    private static final int LATEST = KernelRegistry.LATEST;

    private TensorKernels() {}

    public static void register(KernelRegistry r) {
        r.add("", "Reshape", 1, LATEST, null, ReshapeKernel::new);
        r.add("", "Flatten", 1, LATEST, null, FlattenKernel::new);
        r.add("", "Squeeze", 1, LATEST, null, SqueezeKernel::new);
        r.add("", "Unsqueeze", 1, LATEST, null, UnsqueezeKernel::new);
        r.add("", "Identity", 1, LATEST, null, node -> new IdentityKernel());
        r.add("", "Shape", 1, LATEST, null, ShapeKernel::new);
        r.add("", "Size", 1, LATEST, null, node -> new SizeKernel());
        r.add("", "Transpose", 1, LATEST, null, TransposeKernel::new);
        r.add("", "Concat", 1, LATEST, null, ConcatKernel::new);
        r.add("", "Split", 1, LATEST, null, SplitKernel::new);
        r.add("", "Slice", 1, LATEST, null, SliceKernel::new);
        r.add("", "Gather", 1, LATEST, null, GatherKernel::new);
        r.add("", "GatherElements", 11, LATEST, null, GatherElementsKernel::new);
        r.add("", "GatherND", 11, LATEST, null, GatherNDKernel::new);
        r.add("", "ScatterElements", 11, LATEST, null, ScatterElementsKernel::new);
        // Scatter was deprecated in opset 11 in favour of ScatterElements, with the same semantics.
        r.add("", "Scatter", 9, LATEST, null, ScatterElementsKernel::new);
        r.add("", "ScatterND", 11, LATEST, null, ScatterNDKernel::new);
        r.add("", "Expand", 8, LATEST, null, node -> new ExpandKernel());
        // Tile-1 took 'tiles' and 'axis' inputs; only the repeats form of opset 6+ is implemented.
        r.add("", "Tile", 6, LATEST, null, node -> new TileKernel());
        r.add("", "Pad", 1, LATEST, null, PadKernel::new);
        r.add("", "ConstantOfShape", 9, LATEST, null, ConstantOfShapeKernel::new);
        r.add("", "Range", 11, LATEST, EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.INT16, DType.INT32, DType.INT64),
                node -> new RangeKernel());
        r.add("", "Trilu", 14, LATEST, null, TriluKernel::new);
        r.add("", "EyeLike", 9, LATEST, null, EyeLikeKernel::new);
        r.add("", "OneHot", 9, LATEST, null, OneHotKernel::new);
        r.add("", "NonZero", 9, LATEST, null, node -> new NonZeroKernel());
        r.add("", "Compress", 9, LATEST, null, CompressKernel::new);
        r.add("", "ReverseSequence", 10, LATEST, null, ReverseSequenceKernel::new);
        r.add("", "DepthToSpace", 1, LATEST, null, DepthToSpaceKernel::new);
        r.add("", "SpaceToDepth", 1, LATEST, null, SpaceToDepthKernel::new);
        r.add("", "Unique", 11, LATEST, null, UniqueKernel::new);
        r.add("", "Dropout", 1, LATEST, null, DropoutKernel::new);
    }
}
