using PortfolioGroups.Tests.Scripts;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Tool;

/// <summary>docs/cli.md's first example, run as written by a shell with the installed tool on PATH, on a new SQLite database.</summary>
public sealed class CliDocsExampleTests
{
    [Test]
    public async Task The_docs_example_runs_from_scratch_on_a_new_database()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("The example is a POSIX shell script.");
        }

        var examples = RepositoryFiles.Between(File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "docs", "cli.md")), "## Examples", "PostgreSQL, with the tables");
        var csv = RepositoryFiles.FencedBlocks(examples, "csv").Should().ContainSingle("the example shows its memberships.csv").Subject;
        var script = RepositoryFiles.FencedBlocks(examples, "sh").Should().ContainSingle().Subject;
        script.Should().Contain("portfolio-groups portfolios add").And.Contain("portfolio-groups import memberships.csv");
        using var folder = new TempDirectory();
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "memberships.csv"), csv);

        var run = await InstalledTool.ShellAsync(folder.Path, script);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Error.Should().BeEmpty(run.ToString());
        run.Output.Should().MatchRegex(@"Imported 2 pair\(s\) from memberships\.csv: 2 added, 0 already present \([0-9.]+ s\)\.\n", run.ToString())
            .And.Contain("crypto\t2\tCrypto portfolios", run.ToString());
        File.Exists(Path.Combine(folder.Path, "data", "portfolios.db")).Should().BeTrue("the example's database is the file it names");
    }
}
