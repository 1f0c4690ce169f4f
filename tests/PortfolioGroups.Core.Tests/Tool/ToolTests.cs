using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Tool;

/// <summary>
/// The installed `portfolio-groups` tool against a real SQLite file and the test PostgreSQL: every
/// verb, the 100,000-pair import, and the failures a user meets (each one line on stderr, with its
/// documented exit code, and nothing written).
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed partial class ToolTests(Db db) : DatabaseTest(db)
{
    private TempDirectory _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempDirectory();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [Test]
    public async Task Migrate_status_script_up_and_down_on_a_new_database()
    {
        var connection = await NewDatabaseAsync();
        var migrations = PortfolioStore.LibraryMigrationVersions.Count;

        var before = Json(await RunOkAsync(connection, "migrate", "status", "--json"));
        before.GetProperty("up_to_date").GetBoolean().Should().BeFalse();
        before.GetProperty("pending").GetArrayLength().Should().Be(migrations);

        var script = await RunOkAsync(connection, "migrate", "script");
        script.Should().Contain("CREATE TABLE").And.Contain("portfolio_group_membership");
        Json(await RunOkAsync(connection, "migrate", "status", "--json")).GetProperty("pending").GetArrayLength().Should().Be(migrations, "script applies nothing");

        (await RunOkAsync(connection, "migrate", "up")).Should().StartWith($"Applied {migrations} migration(s)");
        (await RunOkAsync(connection, "migrate", "status")).Should().Be(DocumentedOutput("migrate status"), "docs/cli.md shows a current database's status");
        var after = Json(await RunOkAsync(connection, "migrate", "status", "--json"));
        after.GetProperty("up_to_date").GetBoolean().Should().BeTrue();
        (await RunOkAsync(connection, "migrate", "script")).Should().StartWith("-- Nothing to apply");
        (await RunOkAsync(connection, "migrate", "up")).Should().StartWith("Nothing to do");

        var refused = await RunAsync(connection, "migrate", "down", "--to", "0");
        ShouldFailWithOneLine(refused, exitCode: 3, "--allow-data-loss");
        Json(await RunOkAsync(connection, "migrate", "status", "--json")).GetProperty("up_to_date").GetBoolean().Should().BeTrue("a refused down changes nothing");

        (await RunOkAsync(connection, "migrate", "down", "--to", "0", "--allow-data-loss")).Should().StartWith($"Reverted {migrations} migration(s)")
            .And.Be(DocumentedOutput("migrate down --to 0 --allow-data-loss"), "docs/cli.md shows reverting a current database");
        Json(await RunOkAsync(connection, "migrate", "status", "--json")).GetProperty("applied").GetArrayLength().Should().Be(0);
    }

    [Test]
    public async Task Migrate_partitions_rebuilds_the_membership_table_either_way_keeping_every_membership_and_refuses_a_bad_count()
    {
        var connection = await NewDatabaseAsync();
        await RunOkAsync(connection, "migrate", "up");
        await using var store = await OpenStoreAsync(connection, new PortfolioStoreOptions { MigrateOnOpen = false });
        await PortfolioGroup.AddAsync(store, "g", "G");
        await Portfolio.UpsertManyAsync(store, [new PortfolioUpsert("p1"), new PortfolioUpsert("p2")]);
        await PortfolioGroup.AddPortfoliosAsync(store, "g", ["p1", "p2"]);

        if (Db == Db.Sqlite)
        {
            ShouldFailWithOneLine(await RunAsync(connection, "migrate", "partitions", "--count", "4"), exitCode: 3, "--count");
            ShouldFailWithOneLine(await RunAsync(connection, "migrate", "partitions", "--count", "0"), exitCode: 3, "SQLite has no partitions");
            (await PortfolioGroup.GetPortfoliosAsync(store, "g")).Select(p => p.UniqueIdentifier).Should().BeEquivalentTo(["p1", "p2"], "the memberships list in uid order, and two uids of one millisecond come in either order");
            return;
        }

        ShouldFailWithOneLine(await RunAsync(connection, "migrate", "partitions", "--count", "1025"), exitCode: 3, "--count");
        (await PartitionsAsync()).Should().Be(0, "a refused count changes nothing");

        (await RunOkAsync(connection, "migrate", "partitions", "--count", "4")).Should().StartWith("Rebuilt the membership table into 4 hash partitions");
        (await PartitionsAsync()).Should().Be(4);
        var again = Json(await RunOkAsync(connection, "migrate", "partitions", "--count", "4", "--json"));
        again.GetProperty("rebuilt").GetBoolean().Should().BeFalse();
        again.GetProperty("partitions").GetInt32().Should().Be(4);
        (await PortfolioGroup.GetPortfoliosAsync(store, "g")).Select(p => p.UniqueIdentifier).Should().BeEquivalentTo(["p1", "p2"]);

        (await RunOkAsync(connection, "migrate", "partitions", "--count", "0")).Should().StartWith("Rebuilt the membership table into one plain table");
        (await PartitionsAsync()).Should().Be(0);
        (await PortfolioGroup.GetPortfoliosAsync(store, "g")).Select(p => p.UniqueIdentifier).Should().BeEquivalentTo(["p1", "p2"]);
        (await PortfolioGroupMembership.GetHistoryAsync(store)).Should().HaveCount(2, "the history is kept");

        async Task<long> PartitionsAsync()
        {
            await using var plain = await OpenPlainConnectionAsync(connection);
            await using var command = plain.CreateCommand();
            command.CommandText = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'portfolio_group_membership'::regclass";
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }

    [Test]
    public async Task The_connection_and_provider_can_come_from_the_environment()
    {
        var environment = new Dictionary<string, string?>
        {
            ["PORTFOLIOGROUPS_CONNECTION"] = ConnectionString,
            ["PORTFOLIOGROUPS_PROVIDER"] = Db == Db.Postgres ? "postgres" : "sqlite",
        };

        var run = await InstalledTool.RunAsync(_folder.Path, ["migrate", "status", "--json"], environment);

        run.ExitCode.Should().Be(0, run.ToString());
        Json(run.Output).GetProperty("up_to_date").GetBoolean().Should().BeTrue();
    }

    [Test]
    public async Task Groups_and_members_verbs_edit_and_list_the_database()
    {
        var group = Unique("tool-group");
        var (p1, p2, p3) = (Unique("p1"), Unique("p2"), Unique("p3"));
        await Portfolio.UpsertManyAsync(Store, [new PortfolioUpsert(p1), new PortfolioUpsert(p2), new PortfolioUpsert(p3)]);

        await RunOkAsync(ConnectionString, "groups", "add", group, "--name", "Tool group", "--description", "made by the tool");
        var listed = Json(await RunOkAsync(ConnectionString, "groups", "list", "--json")).EnumerateArray().Single(g => g.GetProperty("unique_identifier").GetString() == group);
        listed.GetProperty("display_name").GetString().Should().Be("Tool group");
        listed.GetProperty("members").GetInt64().Should().Be(0);

        Json(await RunOkAsync(ConnectionString, "members", "add", group, p1, p2, "--json")).GetProperty("added").GetInt64().Should().Be(2);
        Members(await RunOkAsync(ConnectionString, "members", "list", group, "--json")).Should().BeEquivalentTo([p1, p2]);

        var set = Json(await RunOkAsync(ConnectionString, "members", "set", group, p2, p3, "--json"));
        (set.GetProperty("added").GetInt64(), set.GetProperty("removed").GetInt64(), set.GetProperty("unchanged").GetInt64()).Should().Be((1L, 1L, 1L));
        Members(await RunOkAsync(ConnectionString, "members", "list", group, "--json")).Should().BeEquivalentTo([p2, p3]);

        (await RunOkAsync(ConnectionString, "members", "remove", group, p3)).Should().Contain("1 removed");
        (await RunOkAsync(ConnectionString, "members", "list", group)).Should().Be($"portfolio\tdisplay name\n{p2}\t\n");
        Json(await RunOkAsync(ConnectionString, "groups", "list", "--json")).EnumerateArray()
            .Single(g => g.GetProperty("unique_identifier").GetString() == group).GetProperty("members").GetInt64().Should().Be(1);

        (await RunOkAsync(ConnectionString, "groups", "delete", group)).Should().Be("Deleted 1 of 1 named group(s).\n");
        (await PortfolioGroup.FindAsync(Store, group)).Should().BeNull();
        (await Portfolio.FindAsync(Store, p2)).Should().NotBeNull("deleting a group keeps its portfolios");
    }

    [Test]
    public async Task Groups_add_again_keeps_the_options_it_is_not_given()
    {
        var group = Unique("tool-again");
        var metadata = System.Text.Json.JsonSerializer.SerializeToElement(new { owner = "ops" });

        await RunOkAsync(ConnectionString, "groups", "add", group, "--name", "Tool group", "--description", "made by the tool");
        await PortfolioGroup.UpdateAsync(Store, group, new PortfolioGroupChanges { Metadata = metadata });
        var again = Json(await RunOkAsync(ConnectionString, "groups", "add", group, "--json"));
        await RunOkAsync(ConnectionString, "groups", "add", group, "--description", "changed");

        again.GetProperty("display_name").GetString().Should().Be("Tool group");
        again.GetProperty("description").GetString().Should().Be("made by the tool");
        var stored = await PortfolioGroup.GetAsync(Store, group);
        stored.DisplayName.Should().Be("Tool group", "an option not given is kept");
        stored.Description.Should().Be("changed");
        stored.Metadata!.Value.GetProperty("owner").GetString().Should().Be("ops");

        var fresh = Unique("tool-fresh");
        await RunOkAsync(ConnectionString, "groups", "add", fresh);
        (await PortfolioGroup.GetAsync(Store, fresh)).DisplayName.Should().Be(fresh, "a new group without --name is named by its identifier");
    }

    [Test]
    public async Task Catalog_show_lists_the_meta_tables()
    {
        var catalog = Json(await RunOkAsync(ConnectionString, "catalog", "show", "--json"));

        catalog.EnumerateArray().Select(e => e.GetProperty("meta_table_identifier").GetString())
            .Should().Contain(["Portfolio", "PortfolioGroup", "PortfolioGroupMembership"]);
        (await RunOkAsync(ConnectionString, "catalog", "show")).Should().Contain("PortfolioGroupMembership (portfolio_group_membership");
    }

    [Test]
    public async Task Schema_check_passes_on_a_migrated_database_and_exits_7_on_drift()
    {
        var connection = await NewDatabaseAsync();
        await RunOkAsync(connection, "migrate", "up");
        (await RunOkAsync(connection, "schema", "check")).Should().Be("The schema matches the model.\n");

        await using (var plain = await OpenPlainConnectionAsync(connection))
        {
            await Dapper.SqlMapper.ExecuteAsync(plain, $"DROP INDEX {(Db == Db.Postgres ? "\"public\"." : "")}\"ux_portfolio_group_unique_identifier\"");
        }

        var drift = await RunAsync(connection, "schema", "check");
        ShouldFailWithOneLine(drift, exitCode: 7, "schema drift: 1 difference");
        drift.Output.Should().Be("portfolio_group: the index unique ux_portfolio_group_unique_identifier (unique_identifier) is missing.\n");
        Json((await RunAsync(connection, "schema", "check", "--json")).Output).GetProperty("drift").GetBoolean().Should().BeTrue();
    }

    [Test]
    public async Task Import_of_100000_pairs_adds_them_all_in_one_run()
    {
        const int groups = 100, portfolios = 1000;
        var prefix = Unique("imp");
        var groupIds = Enumerable.Range(0, groups).Select(i => $"{prefix}-g{i}").ToList();
        var portfolioIds = Enumerable.Range(0, portfolios).Select(i => $"{prefix}-p{i}").ToList();
        await PortfolioGroup.UpsertManyAsync(Store, groupIds.Select(g => new PortfolioGroupUpsert(g, g)));
        await Portfolio.UpsertManyAsync(Store, portfolioIds.Select(p => new PortfolioUpsert(p)));
        var csv = new StringBuilder("group,portfolio\n");
        foreach (var g in groupIds)
        {
            foreach (var p in portfolioIds)
            {
                csv.Append(g).Append(',').Append(p).Append('\n');
            }
        }

        var file = Path.Combine(_folder.Path, "pairs.csv");
        await File.WriteAllTextAsync(file, csv.ToString());

        var output = await RunOkAsync(ConnectionString, "import", file);

        output.Should().MatchRegex(@"^Imported 100000 pair\(s\) from pairs\.csv: 100000 added, 0 already present \([0-9.]+ s\)\.\n$", "output is redirected: a plain summary, no progress bar");
        var counts = await PortfolioGroup.CountPortfoliosAsync(Store, groupIds.Select(g => (PortfolioGroupRef)g));
        counts.Values.Sum().Should().Be(100_000);
        counts.Values.Should().OnlyContain(c => c == portfolios);

        var again = Json(await RunOkAsync(ConnectionString, "import", file, "--json"));
        (again.GetProperty("added").GetInt64(), again.GetProperty("already_present").GetInt64()).Should().Be((0L, 100_000L));
    }

    [Test]
    public async Task An_import_with_a_malformed_line_names_the_line_and_writes_nothing()
    {
        var group = Unique("bad-import");
        var (p1, p2) = (Unique("p1"), Unique("p2"));
        await PortfolioGroup.AddAsync(Store, group, "Bad import");
        await Portfolio.UpsertManyAsync(Store, [new PortfolioUpsert(p1), new PortfolioUpsert(p2)]);
        var file = Path.Combine(_folder.Path, "bad.csv");
        await File.WriteAllTextAsync(file, $"group,portfolio\n{group},{p1}\n{group},{p2},extra\n");

        var run = await RunAsync(ConnectionString, "import", file);

        ShouldFailWithOneLine(run, exitCode: 3, "bad.csv line 3");
        (await PortfolioGroup.CountPortfoliosAsync(Store, [group]))[(await PortfolioGroup.GetAsync(Store, group)).Uid].Should().Be(0, "a failed import writes nothing");
    }

    [Test]
    public async Task An_import_naming_a_missing_portfolio_writes_nothing()
    {
        var group = Unique("missing-import");
        var p1 = Unique("p1");
        await PortfolioGroup.AddAsync(Store, group, "Missing import");
        await Portfolio.AddAsync(Store, p1);
        var file = Path.Combine(_folder.Path, "missing.csv");
        await File.WriteAllTextAsync(file, $"{group},{p1}\n{group},no-such-portfolio\n");

        var run = await RunAsync(ConnectionString, "import", file);

        ShouldFailWithOneLine(run, exitCode: 4, "no-such-portfolio");
        (await PortfolioGroup.GetPortfoliosAsync(Store, group)).Should().BeEmpty("a failed import writes nothing");
    }

    [Test]
    public async Task An_unknown_group_is_a_one_line_error_with_exit_code_4()
    {
        var missing = Unique("no-such-group");

        ShouldFailWithOneLine(await RunAsync(ConnectionString, "members", "list", missing), exitCode: 4, missing);
        ShouldFailWithOneLine(await RunAsync(ConnectionString, "members", "add", missing, "any"), exitCode: 4, missing);
    }

    [Test]
    public async Task A_bad_connection_string_is_a_one_line_error_with_exit_code_5()
    {
        var bad = Db == Db.Postgres
            ? "Host=127.0.0.1;Port=1;Username=nobody;Password=x;Database=none;Timeout=3"
            : "Data Source=x.db;Flavour=strawberry";

        ShouldFailWithOneLine(await RunAsync(bad, "groups", "list"), exitCode: 5, Db == Db.Postgres ? "Cannot reach the database" : "flavour");
        ShouldFailWithOneLine(await RunAsync(bad, "migrate", "up"), exitCode: 5, Db == Db.Postgres ? "Cannot reach the database" : "flavour");
    }

    [Test]
    public async Task Commands_other_than_migrate_refuse_an_unmigrated_database_and_say_what_to_run()
    {
        var connection = await NewDatabaseAsync();

        ShouldFailWithOneLine(await RunAsync(connection, "groups", "list"), exitCode: 6, "portfolio-groups migrate up");

        if (Db == Db.Sqlite)
        {
            File.Exists(new SqliteConnectionStringBuilder(connection).DataSource).Should().BeFalse("no command but migrate creates the database file");
        }
        else
        {
            Json(await RunOkAsync(connection, "migrate", "status", "--json")).GetProperty("applied").GetArrayLength().Should().Be(0, "nothing was migrated silently");
        }
    }

    [Test]
    public async Task A_bad_command_line_is_a_one_line_error_with_exit_code_2()
    {
        ShouldFailWithOneLine(await RunAsync(ConnectionString, "groups", "frobnicate"), exitCode: 2, "frobnicate");
        ShouldFailWithOneLine(await RunAsync(ConnectionString, "migrate", "down"), exitCode: 2, "--to");
    }

    private Task<ProcessResult> RunAsync(string connection, params string[] arguments) =>
        InstalledTool.RunAsync(_folder.Path, [.. arguments, "--provider", Db == Db.Postgres ? "postgres" : "sqlite", "--connection", connection]);

    private async Task<string> RunOkAsync(string connection, params string[] arguments)
    {
        var run = await RunAsync(connection, arguments);
        run.ExitCode.Should().Be(0, run.ToString());
        run.Error.Should().BeEmpty(run.ToString());
        return run.Output;
    }

    private static void ShouldFailWithOneLine(ProcessResult run, int exitCode, string mention)
    {
        run.ExitCode.Should().Be(exitCode, run.ToString());
        run.Error.Should().EndWith("\n", run.ToString());
        run.Error.TrimEnd('\n').Should().NotContain("\n", "an error is one line: " + run).And.StartWith("portfolio-groups: ").And.Contain(mention);
        run.Error.Should().NotContain("   at ", "no stack trace");
    }

    /// <summary>What docs/cli.md shows <c>portfolio-groups <paramref name="command"/></c> printing: the lines after it, up to the next command or the end of the block.</summary>
    private static string DocumentedOutput(string command)
    {
        var doc = File.ReadAllText(Path.Combine(Scripts.RepositoryFiles.Root(), "docs", "cli.md"));
        var block = Scripts.RepositoryFiles.Between(doc, $"$ portfolio-groups {command}\n", "```");
        var next = block.IndexOf("\n$ ", StringComparison.Ordinal);
        return next < 0 ? block : block[..(next + 1)];
    }

    private static JsonElement Json(string output)
    {
        using var document = JsonDocument.Parse(output);
        return document.RootElement.Clone();
    }

    private static List<string?> Members(string output) =>
        [.. Json(output).EnumerateArray().Select(p => p.GetProperty("unique_identifier").GetString())];
}
