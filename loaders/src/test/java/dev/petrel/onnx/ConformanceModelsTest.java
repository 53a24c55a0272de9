package dev.petrel.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.PetrelException;
import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Every model and tensor file of the ONNX backend tests either loads or fails with a PetrelException. */
class ConformanceModelsTest {
    private static Path nodeTests() {
        Path data = Paths.get(System.getProperty("petrel.onnx.testdata", "/usr/share/libonnx-testdata/data"), "node");
        Assumptions.assumeTrue(Files.isDirectory(data), "ONNX backend test data not installed at " + data);
        return data;
    }

    private static List<Path> testDirs() throws IOException {
        try (Stream<Path> s = Files.list(nodeTests())) {
            List<Path> dirs = new ArrayList<>();
            s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().forEach(dirs::add);
            return dirs;
        }
    }

    @Test
    void everyModelLoadsOrFailsCleanly() throws IOException {
        OnnxModelReader reader = new OnnxModelReader();
        int loaded = 0;
        Map<String, Integer> reasons = new TreeMap<>();
        List<Path> dirs = testDirs();
        for (Path dir : dirs) {
            Path model = dir.resolve("model.onnx");
            assertThat(reader.accepts(model)).isTrue();
            try {
                Graph g = reader.load(model);
                assertThat(g.outputs()).as(dir.toString()).isNotEmpty();
                loaded++;
            } catch (PetrelException e) {
                String msg = e.getMessage();
                reasons.merge(e.getClass().getSimpleName() + ": " + msg.replaceAll("'[^']*'", "'…'"), 1, Integer::sum);
            }
        }
        System.out.println("ONNX node test models: " + loaded + " of " + dirs.size() + " load");
        reasons.forEach((r, n) -> System.out.println("  " + n + " x " + r));
        assertThat(loaded).isGreaterThan(dirs.size() / 2);
    }

    @Test
    void everyTensorFileReadsOrFailsCleanly() throws IOException {
        int read = 0;
        int files = 0;
        Map<String, Integer> reasons = new TreeMap<>();
        for (Path dir : testDirs()) {
            try (Stream<Path> sets = Files.list(dir)) {
                for (Path set : (Iterable<Path>) sets.filter(Files::isDirectory)::iterator) {
                    try (Stream<Path> pbs = Files.list(set)) {
                        for (Path pb : (Iterable<Path>) pbs.filter(p -> p.toString().endsWith(".pb"))::iterator) {
                            files++;
                            try {
                                NamedTensor t = TensorProtos.read(pb);
                                Tensor tensor = t.tensor();
                                assertThat(tensor.bytes().limit()).isEqualTo(tensor.size() * tensor.dtype().byteSize());
                                read++;
                            } catch (PetrelException e) {
                                reasons.merge(e.getClass().getSimpleName() + ": " + e.getMessage().replaceAll("'[^']*'", "'…'")
                                        .replaceAll("\\d+", "N"), 1, Integer::sum);
                            }
                        }
                    }
                }
            }
        }
        System.out.println("ONNX node test tensors: " + read + " of " + files + " read");
        reasons.forEach((r, n) -> System.out.println("  " + n + " x " + r));
        assertThat(read).isGreaterThan(files / 2);
    }
}
