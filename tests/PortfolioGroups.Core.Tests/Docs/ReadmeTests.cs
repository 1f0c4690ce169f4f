namespace PortfolioGroups.Tests.Docs;

/// <summary>The README shows the code the quickstart sample runs.</summary>
public sealed class ReadmeTests
{
    [Test]
    public void The_readme_quickstart_is_the_code_the_sample_runs()
    {
        var root = RepositoryRoot();
        var program = File.ReadAllText(Path.Combine(root, "samples", "PortfolioGroups.Quickstart", "Program.cs"));
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));

        var sample = Between(program, "// <quickstart>\n", "// </quickstart>\n");
        var shown = Between(readme, "## Quickstart", "```text");
        shown = Between(shown, "```csharp\n", "```\n");

        shown.Should().Be(sample);
    }

    [Test]
    public async Task The_quickstart_prints_the_readmes_story_and_the_same_story_when_run_again()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var expected = Between(Between(readme, "It prints:", "## Concepts"), "```text\n", "```\n");
        var workingDirectory = Path.Combine(Path.GetTempPath(), "portfoliogroups-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(workingDirectory);
        try
        {
            var first = await RunQuickstartAsync(workingDirectory);
            var second = await RunQuickstartAsync(workingDirectory);

            first.Should().Be(expected);
            second.Should().Be(expected);
            File.Exists(Path.Combine(workingDirectory, "portfolios.db")).Should().BeTrue();
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    [Test]
    public void Every_line_of_the_package_readme_example_is_a_line_the_quickstart_runs()
    {
        var root = RepositoryRoot();
        var program = File.ReadAllText(Path.Combine(root, "samples", "PortfolioGroups.Quickstart", "Program.cs")).ReplaceLineEndings("\n");
        var packageReadme = File.ReadAllText(Path.Combine(root, "src", "PortfolioGroups.Core", "README.md"));
        var sampleLines = program.Split('\n').Select(l => l.Trim()).ToHashSet();

        var example = Between(packageReadme, "```csharp\n", "```\n").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

        example.Should().HaveCountGreaterThan(5);
        example.Should().OnlyContain(line => sampleLines.Contains(line));
    }

    [Test]
    public void The_readme_names_the_two_commands()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

        readme.Should().Contain("dotnet run --project samples/PortfolioGroups.Quickstart").And.Contain("dotnet test ");
    }

    private static async Task<string> RunQuickstartAsync(string workingDirectory)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "PortfolioGroups.Quickstart.dll"));
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.Should().Be(0, await error);
        return (await output).ReplaceLineEndings("\n");
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        from.Should().BeGreaterThanOrEqualTo(0, $"'{start.Trim()}' must be present");
        from += start.Length;
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        to.Should().BeGreaterThan(from, $"'{end.Trim()}' must follow '{start.Trim()}'");
        return text[from..to].ReplaceLineEndings("\n");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PortfolioGroups.Core.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test directory.");
    }
}
