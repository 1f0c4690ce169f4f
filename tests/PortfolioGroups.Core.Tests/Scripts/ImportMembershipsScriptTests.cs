using System.Text;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Scripts;

/// <summary>samples/scripts/import-memberships.cs, run with `dotnet run` on the packed package.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
[NonParallelizable] // Runs of one script share its build folder.
public sealed class ImportMembershipsScriptTests(Db db) : ImportMembershipsTest(db)
{
    [Test]
    public async Task Imports_the_pairs_of_a_csv_file_and_prints_one_summary_line_when_redirected()
    {
        using var folder = new TempDirectory();
        var connectionString = await SeededDatabaseAsync();
        // A header, quoted fields, a blank line, a pair named twice and a pair already present.
        var csv = WriteCsv(folder.Path, "memberships.csv",
            "group,portfolio\ncrypto,btc-momentum\n\"crypto\",\"eth-carry\"\n\nproduction,btc-momentum\ncrypto,btc-momentum\nresearch,sol-trend\n");
        await using (var store = await OpenStoreAsync(connectionString))
        {
            await PortfolioGroup.AddPortfolioAsync(store, "research", "sol-trend");
        }

        var run = await RunAsync(csv, connectionString, folder.Path);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().MatchRegex(@"^Imported 5 pair\(s\) from memberships\.csv: 3 added, 1 already present \([0-9.]+ s\)\.\n$", run.ToString());
        run.Error.Should().BeEmpty();
        (await MembersAsync(connectionString, "crypto")).Should().Equal("btc-momentum", "eth-carry");
        (await MembersAsync(connectionString, "production")).Should().Equal("btc-momentum");
        (await MembersAsync(connectionString, "research")).Should().Equal("sol-trend");
    }

    [Test]
    public async Task A_malformed_line_fails_the_import_naming_the_line_and_writes_nothing()
    {
        using var folder = new TempDirectory();
        var connectionString = await SeededDatabaseAsync();
        var csv = WriteCsv(folder.Path, "bad.csv", "crypto,btc-momentum\ncrypto,eth-carry\nproduction\n");

        var run = await RunAsync(csv, connectionString, folder.Path);

        run.ExitCode.Should().Be(3, run.ToString());
        run.Output.Should().BeEmpty();
        run.Error.Should().Be($"import-memberships: {csv} line 3: expected 2 fields (group,portfolio), found 1. Nothing was imported.\n");
        (await MembersAsync(connectionString, "crypto")).Should().BeEmpty();
    }

    [Test]
    public async Task A_pair_naming_a_missing_portfolio_fails_the_import_naming_it_and_writes_nothing()
    {
        using var folder = new TempDirectory();
        var connectionString = await SeededDatabaseAsync();
        var csv = WriteCsv(folder.Path, "missing.csv", "crypto,btc-momentum\ncrypto,doge-yolo\n");

        var run = await RunAsync(csv, connectionString, folder.Path);

        run.ExitCode.Should().Be(4, run.ToString());
        run.Error.Should().StartWith("import-memberships: ").And.Contain("doge-yolo").And.EndWith("Nothing was imported.\n");
        run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle("the error is one line, never a stack trace");
        (await MembersAsync(connectionString, "crypto")).Should().BeEmpty();
    }

    /// <summary>
    /// The script follows `portfolio-groups import`: for the same file, the same summary line and, for
    /// each failure, the same exit code and the same message (after the program's name).
    /// </summary>
    [Test]
    public async Task The_script_and_the_cli_import_answer_alike_for_the_same_file()
    {
        using var folder = new TempDirectory();
        var files = new (string Name, byte[] Content, int ExitCode)[]
        {
            ("pairs.csv", Encoding.UTF8.GetBytes("group,portfolio\ncrypto,btc-momentum\n\"crypto\",\"eth-carry\"\nproduction,btc-momentum\n"), 0),
            ("malformed.csv", Encoding.UTF8.GetBytes("crypto,btc-momentum\ncrypto,\"eth-carry\n"), 3),
            ("latin1.csv", [.. Encoding.ASCII.GetBytes("crypto,btc-momentum\ncrypto,caf"), 0xE9, (byte)'\n'], 3),
            ("empty-field.csv", Encoding.UTF8.GetBytes("crypto,btc-momentum\n,eth-carry\n"), 3),
            ("too-long.csv", Encoding.UTF8.GetBytes($"crypto,btc-momentum\n\n{new string('g', 300)},eth-carry\n"), 3),
            ("missing.csv", Encoding.UTF8.GetBytes("crypto,btc-momentum\nnogroup,nope\n"), 4),
            ("absent.csv", [], 3),
        };

        foreach (var (name, content, exitCode) in files)
        {
            var csv = Path.Combine(folder.Path, name);
            if (name != "absent.csv")
            {
                await File.WriteAllBytesAsync(csv, content);
            }

            // Each on a database of its own, so a successful import does not turn the other's "added" into "already present".
            var script = await RunAsync(csv, await SeededDatabaseAsync(), folder.Path);
            var cliDatabase = await SeededDatabaseAsync();
            var cli = await Tool.InstalledTool.RunAsync(folder.Path, ["import", csv, "--connection", cliDatabase, "--provider", Db == Db.Postgres ? "postgres" : "sqlite"]);

            script.ExitCode.Should().Be(exitCode, $"{name}: {script}");
            cli.ExitCode.Should().Be(exitCode, $"{name}: {cli}");
            Normalized(script.Output).Should().Be(Normalized(cli.Output), name);
            if (exitCode == 0)
            {
                script.Output.Should().StartWith("Imported 3 pair(s) from pairs.csv: 3 added, 0 already present (", name);
                (script.Error + cli.Error).Should().BeEmpty(name);
            }
            else
            {
                script.Error.Should().StartWith("import-memberships: ", name);
                cli.Error.Should().StartWith("portfolio-groups: ", name);
                script.Error["import-memberships: ".Length..].Should().Be(cli.Error["portfolio-groups: ".Length..], name);
            }
        }

        // The import's time is the only part of the summary that may differ.
        static string Normalized(string output) => System.Text.RegularExpressions.Regex.Replace(output, @"\([0-9.]+ s\)", "(t s)");
    }
}

/// <summary>
/// The same script on a terminal: a pseudo-terminal from util-linux `script`. The display does not
/// depend on the database, so SQLite shows it.
/// </summary>
[TestFixture(Db.Sqlite)]
[NonParallelizable] // Runs of one script share its build folder.
public sealed class ImportMembershipsOnATerminalTests(Db db) : ImportMembershipsTest(db)
{
    [Test]
    public async Task On_a_terminal_a_progress_bar_is_redrawn_before_the_summary()
    {
        // util-linux `script` runs the command on a pseudo-terminal, so the script sees a terminal.
        var script = OperatingSystem.IsWindows() ? null : OnPath("script");
        if (script is null)
        {
            const string message = "util-linux `script` (for a pseudo-terminal) is not installed: apt-get install util-linux.";
            if (TestDatabases.IsCi)
            {
                Assert.Fail(message);
            }

            Assert.Ignore(message);
        }

        using var folder = new TempDirectory();
        var connectionString = await SeededDatabaseAsync();
        // 25,000 lines: three batches on SQLite (10,000 each), so the bar is drawn more than once.
        var lines = Enumerable.Range(0, 25_000).Select(i => $"crypto,{PortfolioIdentifiers[i % 3]}");
        var csv = WriteCsv(folder.Path, "many.csv", string.Join('\n', lines) + "\n");
        var environment = await FileBasedApp.EnvironmentAsync();
        var command = $"dotnet run '{RepositoryFiles.Script("import-memberships.cs")}' -- '{csv}' --connection '{connectionString}'";

        var run = await ChildProcess.RunAsync(script, ["-qec", command, "/dev/null"], folder.Path, FileBasedApp.Timeout, environment);

        run.ExitCode.Should().Be(0, run.ToString());
        // The bar is redrawn with carriage returns; the output arrives here with line ends normalized.
        var frames = run.Output.Split('\n').Where(f => f.StartsWith('[')).ToList();
        frames.Should().HaveCountGreaterThanOrEqualTo(3, run.ToString());
        frames[^1].Should().Be("[##############################] 25,000/25,000 pairs", run.ToString());
        frames.Should().OnlyHaveUniqueItems("each frame shows more progress than the one before");
        run.Output.Should().Contain("Imported 25000 pair(s) from many.csv: 3 added, 0 already present (");
        (await MembersAsync(connectionString, "crypto")).Should().Equal(PortfolioIdentifiers);
    }

    private static string? OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
}

/// <summary>What the import script's fixtures share: a seeded database, running the script, reading members back.</summary>
public abstract class ImportMembershipsTest(Db db) : DatabaseTest(db)
{
    protected static readonly string[] PortfolioIdentifiers = ["btc-momentum", "eth-carry", "sol-trend"];

    /// <summary>A new database with the groups crypto, production and research, and three portfolios.</summary>
    protected async Task<string> SeededDatabaseAsync()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await PortfolioGroup.UpsertManyAsync(store, [new("crypto", "Crypto portfolios"), new("production", "Production"), new("research", "Research")]);
        await Portfolio.UpsertManyAsync(store, PortfolioIdentifiers.Select(p => new PortfolioUpsert(p)));
        return connectionString;
    }

    protected async Task<string[]> MembersAsync(string connectionString, string group)
    {
        await using var store = await OpenStoreAsync(connectionString);
        var members = new List<string>();
        await foreach (var portfolio in PortfolioGroup.StreamPortfoliosAsync(store, group))
        {
            members.Add(portfolio.UniqueIdentifier);
        }

        return [.. members.Order(StringComparer.Ordinal)];
    }

    private protected Task<ProcessResult> RunAsync(string csv, string connectionString, string workingDirectory) =>
        FileBasedApp.RunScriptAsync(
            RepositoryFiles.Script("import-memberships.cs"),
            [csv, "--connection", connectionString, "--provider", Db == Db.Postgres ? "postgres" : "sqlite"],
            workingDirectory);

    protected static string WriteCsv(string folder, string name, string text)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }
}
