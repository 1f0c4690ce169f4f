using PortfolioGroups.Tests.Scripts;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Docs;

/// <summary>
/// docs/how-to/portfolio-workflow.md: its C# snippets, in order, are one file-based app; run on the
/// packed package, it prints exactly the doc's text blocks, in order.
/// </summary>
[NonParallelizable] // Packs and builds like the script tests; one at a time keeps the machine responsive.
public sealed class WorkflowDocTests
{
    private static string Doc() => File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "docs", "how-to", "portfolio-workflow.md"));

    [Test]
    public async Task The_snippets_run_as_one_app_and_print_the_text_the_doc_shows()
    {
        var snippets = RepositoryFiles.FencedBlocks(Doc(), "csharp");
        var expected = string.Concat(RepositoryFiles.FencedBlocks(Doc(), "text"));
        using var folder = new TempDirectory();

        var feed = (await PackedPackages.GetAsync()).Feed;

        var run = await FileBasedApp.RunSourceAsync(string.Join("\n", snippets), [feed], folder.Path);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().Be(expected, run.ToString());
    }

    [Test]
    public void The_doc_covers_every_step_of_the_workflow_with_code_and_its_output()
    {
        var doc = Doc();
        var snippets = RepositoryFiles.FencedBlocks(doc, "csharp");

        snippets.Should().HaveCount(7);
        RepositoryFiles.FencedBlocks(doc, "text").Should().HaveCount(7);
        snippets[0].Should().StartWith($"#:package PortfolioGroups.Core@{RepositoryFiles.PackageVersion()}\n");
        string[] calls = ["UpsertManyAsync", "AddManyAsync", "AddPortfoliosAsync", "InAllGroups", "InAnyGroup", "NotInGroups", "PortfolioGroupMembership.UpdateAsync", "SetPortfoliosAsync", "CountPortfoliosAsync", "GetHistoryAsync", "filledAt);"];
        string.Concat(snippets).Should().ContainAll(calls);
        doc.Split('\n').Where(l => l.StartsWith("```", StringComparison.Ordinal) && l.Length > 3)
            .Should().OnlyContain(l => l == "```csharp" || l == "```text", "every snippet is code the test runs, or its output");
    }
}
