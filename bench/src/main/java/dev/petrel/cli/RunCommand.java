package dev.petrel.cli;

import dev.petrel.InvalidInputException;
import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.onnx.TensorProtos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code petrel run MODEL --input NAME=FILE.pb ... --output-dir DIR}. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a model on inputs stored as serialized TensorProto files; write one TensorProto per output.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Model file (.onnx).")
    Path model;

    @Option(names = {"-i", "--input"}, description = "NAME=FILE.pb, once per model input.")
    List<String> inputs = List.of();

    @Option(names = {"-o", "--output-dir"}, required = true, description = "Folder for the outputs (NAME.pb each).")
    Path outputDir;

    @Option(names = "--threads", defaultValue = "1", description = "Intra-op threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws Exception {
        Model m = Model.load(model);
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (String spec : inputs) {
            int eq = spec.indexOf('=');
            if (eq <= 0) throw new InvalidInputException("--input needs NAME=FILE.pb, got '" + spec + "'");
            String name = spec.substring(0, eq);
            Path file = Path.of(spec.substring(eq + 1));
            if (!Files.isRegularFile(file)) throw new InvalidInputException("input '" + name + "': no such file " + file);
            feeds.put(name, TensorProtos.read(file).tensor());
        }
        Files.createDirectories(outputDir);
        try (Session s = m.newSession(new Options().threads(threads))) {
            long t0 = System.nanoTime();
            Map<String, Tensor> out = s.run(feeds);
            long t1 = System.nanoTime();
            for (Map.Entry<String, Tensor> e : out.entrySet()) {
                Path f = outputDir.resolve(safeFileName(e.getKey()) + ".pb");
                TensorProtos.write(f, e.getKey(), e.getValue());
                System.out.println(e.getKey() + " " + e.getValue().describe() + " -> " + f);
            }
            System.out.printf("ran in %.2f ms%n", (t1 - t0) / 1e6);
        }
        return 0;
    }

    /** Output names may contain '/' or ':' (exported graphs do); keep the file inside the folder. */
    static String safeFileName(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }
}
