package io.flowtrace.examples;

import io.flowtrace.core.settings.FlowSettings;
import io.flowtrace.core.settings.Setting;
import io.flowtrace.core.settings.ValueType;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code settings [--markdown]}: the flow settings, from their descriptors: flag, YAML key, builder setter, default
 * and meaning; {@code --markdown} prints the README's table.
 */
final class SettingsCommand implements Command {
    private static final Setting<Boolean> MARKDOWN = Setting.of("markdown", ValueType.onOff()).flag()
            .commandLineOnly().help("the table as Markdown, as the README has it").build();

    @Override
    public String summary() {
        return "list the flow settings: flag, YAML key, builder setter, default and meaning";
    }

    @Override
    public String synopsis() {
        return "settings [--markdown]";
    }

    @Override
    public String description() {
        return "";
    }

    @Override
    public List<Options> options() {
        return List.of(new Options("options", List.of(MARKDOWN)));
    }

    @Override
    public int run(CommandLine args, PrintStream out, PrintStream err) {
        if (!args.positional.isEmpty()) {
            throw new UsageException("unexpected argument " + args.positional.get(0));
        }
        if (args.has(MARKDOWN)) {
            out.print(FlowSettings.markdownTable());
            return 0;
        }
        for (Setting<?> s : FlowSettings.all()) {
            out.println(Text.left("--" + s.name() + " " + s.label(), 26) + " " + Text.left(s.yamlKey(), 21) + " "
                    + Text.left(s.builderMethod(), 20) + " " + s.defaultText());
            out.println("    " + s.help());
        }
        return 0;
    }
}
