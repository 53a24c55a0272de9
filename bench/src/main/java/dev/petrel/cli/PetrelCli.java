package dev.petrel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code petrel} command line. */
@Command(name = "petrel", mixinStandardHelpOptions = true, version = "petrel 0.1.0",
        description = "Pure-Java inference engine for efficient transformers.",
        subcommands = {EmbedCommand.class, InspectCommand.class, RunCommand.class, ConformanceCommand.class, BenchCommand.class,
                GenerateCommand.class, AttributeCommand.class, QuantizeCommand.class})
public final class PetrelCli {
    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new PetrelCli());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("petrel: " + ex.getMessage());
            if (System.getenv("PETREL_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return 2;
        });
        System.exit(cli.execute(args));
    }
}
