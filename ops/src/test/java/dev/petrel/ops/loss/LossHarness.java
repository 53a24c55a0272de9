package dev.petrel.ops.loss;

import dev.petrel.graph.Attribute;

/** Attributes shared by the loss kernel tests (nodes run through {@link dev.petrel.ops.OpHarness}). */
final class LossHarness {
    private LossHarness() {}

    static Attribute reduction(String r) {
        return Attribute.ofString("reduction", r);
    }

    static Attribute ignoreIndex(long v) {
        return Attribute.ofInt("ignore_index", v);
    }
}
