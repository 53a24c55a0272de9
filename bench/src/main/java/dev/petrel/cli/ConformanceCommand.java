package dev.petrel.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code petrel conformance [DIR]}: the ONNX backend node tests. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Run ONNX backend tests (default: the Debian libonnx-testdata node tests) and compare every output.")
final class ConformanceCommand implements Callable<Integer> {
    static final Path DEFAULT_DIR = Path.of("/usr/share/libonnx-testdata/data/node");

    @Parameters(index = "0", arity = "0..1", description = "Folder of test folders (default ${DEFAULT-VALUE}).")
    Path dir = DEFAULT_DIR;

    @Option(names = {"-f", "--filter"}, description = "Glob on test folder names, e.g. 'test_gemm*'.")
    String filter = "*";

    @Option(names = {"-v", "--verbose"}, description = "Print passing tests too.")
    boolean verbose;

    @Option(names = "--timeout", defaultValue = "60", description = "Seconds per test (default ${DEFAULT-VALUE}).")
    long timeout;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            System.err.println("petrel: no test folder " + dir
                    + (dir.equals(DEFAULT_DIR) ? " (install it with: apt-get install libonnx-testdata)" : ""));
            return 2;
        }
        List<Path> tests = ConformanceRunner.findTests(dir, filter);
        ConformanceRunner.Summary s = new ConformanceRunner(timeout).runAll(tests, System.out, verbose);
        if (!s.skipReasons().isEmpty()) {
            System.out.println("skipped, by reason:");
            s.skipReasons().forEach((reason, n) -> System.out.println("  " + n + " x " + reason));
        }
        System.out.println(s.line());
        return s.failed() == 0 ? 0 : 1;
    }
}
