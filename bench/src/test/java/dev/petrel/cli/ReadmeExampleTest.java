package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's embedding example, verbatim apart from where the model file is. */
class ReadmeExampleTest {
    @Test
    void readmeExampleRuns() throws Exception {
        Path modelFile = Path.of(ReadmeExampleTest.class.getResource("/models/readme.onnx").toURI());
        float[] y;
        // --- README example (y = 2x + 1) ---
        Model model = Model.load(modelFile);                      // weights stay memory-mapped
        try (Session session = model.newSession(new Options())) { // one session per thread
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
            Map<String, Tensor> out = session.run(Map.of("x", x));
            y = out.get("y").toFloatArray();
        }
        // --- end ---
        assertThat(y).containsExactly(3, 5, 7, 9);
    }
}
