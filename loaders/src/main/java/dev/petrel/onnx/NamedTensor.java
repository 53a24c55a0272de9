package dev.petrel.onnx;

import dev.petrel.Tensor;

/** A tensor together with the name its file gives it (the {@code name} field of a TensorProto). */
public record NamedTensor(String name, Tensor tensor) {}
