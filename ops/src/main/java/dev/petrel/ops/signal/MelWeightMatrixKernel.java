package dev.petrel.ops.signal;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * MelWeightMatrix (opset 17+): [dft_length / 2 + 1, num_mel_bins] triangular filters, computed as the
 * ONNX reference does: num_mel_bins + 2 points evenly spaced on the mel scale (mel = 2595
 * log10(1 + hz / 700), step = (high - low) / (num_mel_bins + 2)), mapped back to hertz and to the
 * integer bin floor((dft_length + 1) * hz / sample_rate); filter i rises linearly from point i to
 * point i + 1 and falls to point i + 2.
 */
final class MelWeightMatrixKernel implements Kernel {
    private final DType outputType;

    MelWeightMatrixKernel(Node node) {
        outputType = SignalValues.outputType(node.attributes().getInt("output_datatype", 1), "MelWeightMatrix");
    }

    @Override
    public void run(KernelContext ctx) {
        long melBins = SignalValues.intScalar(ctx.requireInput(0), "MelWeightMatrix num_mel_bins");
        long dftLength = SignalValues.intScalar(ctx.requireInput(1), "MelWeightMatrix dft_length");
        long sampleRate = SignalValues.intScalar(ctx.requireInput(2), "MelWeightMatrix sample_rate");
        double lowHz = SignalValues.realScalar(ctx.requireInput(3), "MelWeightMatrix lower_edge_hertz");
        double highHz = SignalValues.realScalar(ctx.requireInput(4), "MelWeightMatrix upper_edge_hertz");
        if (melBins < 0 || melBins > 1 << 20) {
            throw new IllegalArgumentException("MelWeightMatrix num_mel_bins must be non-negative, got " + melBins);
        }
        if (dftLength < 1 || dftLength > 1 << 26) {
            throw new IllegalArgumentException("MelWeightMatrix dft_length must be positive, got " + dftLength);
        }
        if (sampleRate < 1) throw new IllegalArgumentException("MelWeightMatrix sample_rate must be positive, got " + sampleRate);
        int mels = (int) melBins;
        int spectrumBins = (int) (dftLength / 2 + 1);

        double lowMel = hzToMel(lowHz);
        double highMel = hzToMel(highHz);
        int points = mels + 2;
        double melStep = (highMel - lowMel) / points;
        int[] bin = new int[points];
        for (int p = 0; p < points; p++) {
            double hz = 700 * (Math.pow(10, (p * melStep + lowMel) / 2595) - 1);
            double b = Math.floor((dftLength + 1) * hz / sampleRate);
            if (!(b >= 0 && b < spectrumBins)) {
                throw new IllegalArgumentException("MelWeightMatrix edge " + hz + " Hz falls in bin " + b
                        + ", outside the " + spectrumBins + " bins of dft_length " + dftLength
                        + " (check lower_edge_hertz " + lowHz + " and upper_edge_hertz " + highHz + " against sample_rate " + sampleRate + ")");
            }
            bin[p] = (int) b;
        }

        double[] w = new double[spectrumBins * mels];
        for (int i = 0; i < mels; i++) {
            int left = bin[i], center = bin[i + 1], right = bin[i + 2];
            if (center == left) {
                w[center * mels + i] = 1;
            } else {
                for (int j = left; j <= center; j++) w[j * mels + i] = (double) (j - left) / (center - left);
            }
            for (int j = center; j < right; j++) w[j * mels + i] = (double) (right - j) / (right - center);
        }
        Tensor out = ctx.output(0, outputType, spectrumBins, mels);
        Elements.storeDoubles(out, w);
    }

    private static double hzToMel(double hz) {
        return 2595 * Math.log10(1 + hz / 700);
    }
}
