package dev.petrel.ops.signal;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.ops.OpHarness;

/** Runs one signal node at opset 17 through {@link OpHarness} and returns output 0. */
final class SignalGraphs {
    private SignalGraphs() {}

    static Tensor run(String op, Tensor[] inputs, Attribute... attrs) {
        return OpHarness.run(op, 17, inputs, attrs);
    }

    static Tensor scalar(long v) {
        return Tensor.of(new long[] {v});
    }
}
