using PortfolioGroups.Tests.Scripts;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Docs;

/// <summary>docs/migrations.md: its file-based app (the C# block that starts with `#:package`) runs on the packed package and prints the text shown after it.</summary>
[NonParallelizable] // Packs and builds like the script tests.
public sealed class MigrationsDocTests
{
    [Test]
    public async Task The_scripts_example_runs_and_prints_what_the_doc_shows()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "docs", "migrations.md"));
        var app = RepositoryFiles.FencedBlocks(doc, "csharp").Single(block => block.StartsWith("#:package ", StringComparison.Ordinal));
        var afterApp = doc.ReplaceLineEndings("\n")[(doc.ReplaceLineEndings("\n").IndexOf(app, StringComparison.Ordinal) + app.Length)..];
        var expected = RepositoryFiles.FencedBlocks(afterApp, "text")[0];
        var feed = (await PackedPackages.GetAsync()).Feed;
        using var folder = new TempDirectory();

        var run = await FileBasedApp.RunSourceAsync(app, [feed], folder.Path);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Be(expected, run.ToString());
        app.Should().Contain("MigrateOnOpen = false").And.Contain("ScriptMigrationsAsync").And.Contain("MigrateDownAsync");
    }
}
