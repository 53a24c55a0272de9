package dev.petrel.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.ops.PortableBackend;
import dev.petrel.spi.KernelRegistry;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code com.microsoft} 4-bit (and 8-bit) weight-only MatMuls, run by Petrel and by ONNX Runtime
 * Java on the same models (written by {@code models/quant/make_quant_models.py}: random weights
 * quantized in the script) and the same random A, for M = 1 (decode) and M = 5, with the portable
 * kernels alone and with the default registry (the Vector API kernels when present), on 1 and 2 threads.
 *
 * <p>Both engines dequantize the same codes with the same formula (MatMulNBits: {@code (q - zp) * scale};
 * MatMulBnb4: {@code table[q] * absmax}), so the weights agree; what differs is the order of the fp32
 * sums over K (ONNX Runtime's MLAS sums per block and in SIMD lanes, Petrel's portable kernel in order,
 * its Vector kernel in lanes per block). For K <= 384 products of O(1) values that is a few ulps of
 * the largest partial sum: the check allows 2e-5 * (1 + max |y|), about 300 ulps of |y| ~ 16, and
 * prints the measured difference.
 */
class QuantContribOracleTest {
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @ParameterizedTest(name = "{0} M={1}")
    @CsvSource({
            "nbits_b32_k128_zp_bias, 1", "nbits_b32_k128_zp_bias, 5",
            "nbits_b32_k100_nozp, 1", "nbits_b32_k100_nozp, 5",
            "nbits_b64_k256_nozp, 1", "nbits_b64_k256_nozp, 5",
            "nbits_b64_k200_zp, 1", "nbits_b64_k200_zp, 5",
            "nbits_b128_k384_zp, 1", "nbits_b128_k384_zp, 5",
            "nbits_b128_k300_nozp, 1", "nbits_b128_k300_nozp, 5",
            "nbits_b32_k96_floatzp, 1", "nbits_b32_k96_floatzp, 5",
            "nbits8_b32_k80_zp, 1", "nbits8_b32_k80_zp, 5",
            "bnb4_nf4_k128_b64, 1", "bnb4_nf4_k128_b64, 5",
            "bnb4_fp4_k128_b64, 1", "bnb4_fp4_k128_b64, 5",
            "bnb4_nf4_k100_b64, 1", "bnb4_nf4_k100_b64, 5",
            "bnb4_fp4_k75_b32, 1", "bnb4_fp4_k75_b32, 5"})
    void matchesOnnxRuntime(String name, int m) throws Exception {
        Path file = Paths.get(QuantContribOracleTest.class.getResource("/models/quant/" + name + ".onnx").toURI());
        Graph graph = Model.readGraph(file);
        int k = Integer.parseInt(name.replaceAll(".*_k(\\d+)_.*", "$1"));
        Random r = new Random(name.hashCode() * 31L + m);
        float[] a = new float[m * k];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        Tensor in = Tensor.of(a, m, k);
        float[] ort = runOnnxRuntime(file, a, m, k);
        KernelRegistry portable = new KernelRegistry();
        portable.addBackend(new PortableBackend());
        for (KernelRegistry kernels : new KernelRegistry[] {portable, Model.registry()}) {
            for (int threads : new int[] {1, 2}) {
                float[] petrel;
                try (Session s = Model.of(graph, kernels).newSession(new Options().threads(threads))) {
                    petrel = s.run(Map.of("A", in)).get("Y").toFloatArray();
                }
                assertThat(petrel).hasSameSizeAs(ort);
                double worst = 0, largest = 0;
                for (int i = 0; i < ort.length; i++) {
                    worst = Math.max(worst, Math.abs(petrel[i] - ort[i]));
                    largest = Math.max(largest, Math.abs(ort[i]));
                }
                System.out.printf("%s M=%d %s threads=%d: max |petrel - onnxruntime| = %.3g (max |y| %.3g)%n",
                        name, m, kernels == portable ? "portable" : "default", threads, worst, largest);
                assertThat(worst).isLessThanOrEqualTo(2e-5 * (1 + largest));
            }
        }
    }

    private static float[] runOnnxRuntime(Path file, float[] a, int m, int k) throws Exception {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession ort = ENV.createSession(file.toString(), options);
                 OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(a), new long[] {m, k});
                 OrtSession.Result result = ort.run(Map.of("A", t))) {
                FloatBuffer fb = ((OnnxTensor) result.get(0)).getFloatBuffer();
                float[] v = new float[fb.remaining()];
                fb.get(v);
                return v;
            }
        }
    }
}
