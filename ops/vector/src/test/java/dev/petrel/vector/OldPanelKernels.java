package dev.petrel.vector;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.*;

/** The first panel kernels (shift-pair nibbles, byte widening), kept for A/B timing only. */
final class OldPanelKernels {

    static final jdk.incubator.vector.VectorSpecies<Float> F = QuantGemv.F;
    static final jdk.incubator.vector.VectorSpecies<Integer> I = QuantGemv.I;
    static final java.nio.ByteOrder LE = java.nio.ByteOrder.LITTLE_ENDIAN;
    private static FloatVector nibble(IntVector v, int s) {
        IntVector t = s == 7 ? v : v.lanewise(VectorOperators.LSHL, 28 - 4 * s);
        return (FloatVector) t.lanewise(VectorOperators.ASHR, 28).convert(VectorOperators.I2F, 0);
    }
    private static FloatVector bytes(MemorySegment codes, long c) {
        return (FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, codes, c, LE).convertShape(VectorOperators.B2F, F, 0);
    }
    private static FloatVector scales(QuantGemv.Panels w, int pb) {
        return FloatVector.fromMemorySegment(F, w.scales, Math.min(pb * 32L, w.scales.byteSize() - 64), LE);
    }
    private static void store(FloatVector t, MemorySegment bias, float[] y, int yo, int out, int p) {
        t.intoArray(y, yo + p * 16);
    }
    static void q4Row(QuantGemv.Panels w, float[] x, int xo, float[] sums, int so, MemorySegment bias, float[] y, int yo, int p0, int p1) {
        final MemorySegment codes = w.codes;
        final int blocks = w.blocks, groups = w.bs >> 3;
        final long panelBytes = w.paddedIn * 8L;
        for (int p = p0; p < p1; p++) {
            long c = p * panelBytes;
            int k = xo;
            FloatVector total = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                FloatVector even = FloatVector.zero(F), odd = even;
                for (int g = 0; g < groups; g++, c += 64, k += 8) {
                    IntVector v = IntVector.fromMemorySegment(I, codes, c, LE);
                    even = nibble(v, 0).fma(FloatVector.broadcast(F, x[k]), even);
                    odd = nibble(v, 1).fma(FloatVector.broadcast(F, x[k + 1]), odd);
                    even = nibble(v, 2).fma(FloatVector.broadcast(F, x[k + 2]), even);
                    odd = nibble(v, 3).fma(FloatVector.broadcast(F, x[k + 3]), odd);
                    even = nibble(v, 4).fma(FloatVector.broadcast(F, x[k + 4]), even);
                    odd = nibble(v, 5).fma(FloatVector.broadcast(F, x[k + 5]), odd);
                    even = nibble(v, 6).fma(FloatVector.broadcast(F, x[k + 6]), even);
                    odd = nibble(v, 7).fma(FloatVector.broadcast(F, x[k + 7]), odd);
                }
                int pb = p * blocks + b;
                total = even.add(odd).fma(scales(w, pb), total);
                if (w.offsets != null) {
                    total = FloatVector.fromMemorySegment(F, w.offsets, pb * 64L, LE).fma(FloatVector.broadcast(F, sums[so + b]), total);
                }
            }
            store(total, bias, y, yo, w.out, p);
        }
    }

    static void q8Row(QuantGemv.Panels w, float[] x, int xo, float[] sums, int so, MemorySegment bias, float[] y, int yo, int p0, int p1) {
        final MemorySegment codes = w.codes;
        final int blocks = w.blocks, bs = w.bs;
        final long panelBytes = w.paddedIn * 16L;
        for (int p = p0; p < p1; p++) {
            long c = p * panelBytes;
            int k = xo;
            FloatVector total = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                FloatVector even = FloatVector.zero(F), odd = even;
                for (int t = 0; t < bs; t += 4, c += 64, k += 4) {
                    even = bytes(codes, c).fma(FloatVector.broadcast(F, x[k]), even);
                    odd = bytes(codes, c + 16).fma(FloatVector.broadcast(F, x[k + 1]), odd);
                    even = bytes(codes, c + 32).fma(FloatVector.broadcast(F, x[k + 2]), even);
                    odd = bytes(codes, c + 48).fma(FloatVector.broadcast(F, x[k + 3]), odd);
                }
                int pb = p * blocks + b;
                total = even.add(odd).fma(scales(w, pb), total);
                if (w.offsets != null) {
                    total = FloatVector.fromMemorySegment(F, w.offsets, pb * 64L, LE).fma(FloatVector.broadcast(F, sums[so + b]), total);
                }
            }
            store(total, bias, y, yo, w.out, p);
        }
    }
}
