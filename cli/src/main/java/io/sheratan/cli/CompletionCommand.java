package io.sheratan.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code sheratan completion}: a bash/zsh completion script of every command and option. */
@Command(name = "completion",
        header = "Print a bash and zsh completion script.",
        mixinStandardHelpOptions = true,
        description = {
            "Print a completion script for bash (and zsh, through bashcompinit) of every command, subcommand and option.",
            "Load it in the current shell with: source <(./sheratan completion). To keep it, write it where your shell",
            "reads completions, e.g. ./sheratan completion > ~/.local/share/bash-completion/completions/sheratan.",
            "For zsh, first: autoload -U +X bashcompinit && bashcompinit."
        })
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        System.out.print(AutoComplete.bash("sheratan", spec.root().commandLine()));
        return 0;
    }
}
