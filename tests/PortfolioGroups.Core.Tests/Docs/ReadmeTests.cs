using PortfolioGroups.Tests.Scripts;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Docs;

/// <summary>The README shows the code the quickstart sample runs.</summary>
public sealed class ReadmeTests
{
    [Test]
    public void The_readme_quickstart_is_the_code_the_sample_runs()
    {
        var root = RepositoryFiles.Root();
        var program = File.ReadAllText(RepositoryFiles.QuickstartScript());
        var project = File.ReadAllText(Path.Combine(root, "samples", "PortfolioGroups.Quickstart", "PortfolioGroups.Quickstart.csproj"));
        var readme = RepositoryFiles.Readme();

        var sample = RepositoryFiles.Between(program, "// <quickstart>\n", "// </quickstart>\n");
        var shown = RepositoryFiles.Between(readme, "## Quickstart", "```text");
        shown = RepositoryFiles.Between(shown, "```csharp\n", "```\n");

        shown.Should().Be(sample);
        // The sample project runs that same file: one copy of the story.
        project.Should().Contain("<Compile Include=\"../scripts/quickstart.cs\" />");
    }

    [Test]
    public async Task The_quickstart_prints_the_readmes_story_and_the_same_story_when_run_again()
    {
        var expected = RepositoryFiles.ReadmeStory();
        using var workingDirectory = new TempDirectory();

        var first = await RunQuickstartAsync(workingDirectory.Path);
        var second = await RunQuickstartAsync(workingDirectory.Path);

        first.Should().Be(expected);
        second.Should().Be(expected);
        File.Exists(Path.Combine(workingDirectory.Path, "portfolios.db")).Should().BeTrue();
    }

    [Test]
    public void Every_line_of_the_package_readme_example_is_a_line_the_quickstart_runs()
    {
        var root = RepositoryFiles.Root();
        var program = File.ReadAllText(RepositoryFiles.QuickstartScript()).ReplaceLineEndings("\n");
        var packageReadme = File.ReadAllText(Path.Combine(root, "src", "PortfolioGroups.Core", "README.md"));
        var sampleLines = program.Split('\n').Select(l => l.Trim()).ToHashSet();

        var example = RepositoryFiles.Between(packageReadme, "```csharp\n", "```\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

        example.Should().HaveCountGreaterThan(5);
        example.Should().OnlyContain(line => sampleLines.Contains(line));
    }

    [Test]
    public void The_readme_names_the_two_commands()
    {
        var readme = RepositoryFiles.Readme();

        readme.Should().Contain("dotnet run --project samples/PortfolioGroups.Quickstart").And.Contain("dotnet test ");
    }

    private static async Task<string> RunQuickstartAsync(string workingDirectory)
    {
        var run = await ChildProcess.RunAsync(
            "dotnet",
            ["exec", Path.Combine(TestContext.CurrentContext.TestDirectory, "PortfolioGroups.Quickstart.dll")],
            workingDirectory,
            TimeSpan.FromMinutes(2));
        run.ExitCode.Should().Be(0, run.Error);
        return run.Output;
    }
}
