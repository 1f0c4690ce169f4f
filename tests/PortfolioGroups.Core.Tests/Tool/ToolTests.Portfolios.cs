using Dapper;
using PortfolioGroups.Tests.Support;
using System.Text;

namespace PortfolioGroups.Tests.Tool;

/// <summary>`portfolios list | add | delete | import`, with the conventions of the other verbs.</summary>
public sealed partial class ToolTests
{
    [Test]
    public async Task Portfolios_verbs_add_list_delete_and_import_edit_the_database()
    {
        var (p1, p2, p3, p4) = (Unique("tp1"), Unique("tp2"), Unique("tp3"), Unique("tp4"));

        (await RunOkAsync(ConnectionString, "portfolios", "add", p1, "--name", "First")).Should().StartWith($"Portfolio '{p1}' (First) is stored, uid ");
        Json(await RunOkAsync(ConnectionString, "portfolios", "add", p1, "--json")).GetProperty("display_name").GetString()
            .Should().Be("First", "adding an existing portfolio without --name leaves its display name");
        Json(await RunOkAsync(ConnectionString, "portfolios", "add", p2, "--json")).GetProperty("display_name").ValueKind
            .Should().Be(System.Text.Json.JsonValueKind.Null);

        var listed = Json(await RunOkAsync(ConnectionString, "portfolios", "list", "--json")).EnumerateArray()
            .ToDictionary(p => p.GetProperty("unique_identifier").GetString()!, p => p.GetProperty("display_name").GetString());
        listed.Should().Contain(p1, "First").And.Contain(p2, null);
        (await RunOkAsync(ConnectionString, "portfolios", "list")).Should().StartWith("portfolio\tdisplay name\n").And.Contain($"\n{p1}\tFirst\n");

        // A header, a name, an empty name, an identifier alone; p2 exists and takes the file's name.
        var file = Path.Combine(_folder.Path, "portfolios.csv");
        await File.WriteAllTextAsync(file, $"unique_identifier,display_name\n{p2},Second\n\"{p3}\",\n\n{p4}\n");
        (await RunOkAsync(ConnectionString, "portfolios", "import", file))
            .Should().MatchRegex(@"^Imported 3 portfolio\(s\) from portfolios\.csv: 2 inserted, 1 updated \([0-9.]+ s\)\.\n$");
        (await Portfolio.GetAsync(Store, p2)).DisplayName.Should().Be("Second");
        (await Portfolio.GetAsync(Store, p3)).DisplayName.Should().BeNull();
        (await Portfolio.FindAsync(Store, p4)).Should().NotBeNull();
        var again = Json(await RunOkAsync(ConnectionString, "portfolios", "import", file, "--json"));
        (again.GetProperty("portfolios").GetInt64(), again.GetProperty("inserted").GetInt64(), again.GetProperty("updated").GetInt64()).Should().Be((3L, 0L, 3L));

        var group = Unique("tpg");
        await PortfolioGroup.AddAsync(Store, group, "Holds p1");
        await PortfolioGroup.AddPortfolioAsync(Store, group, p1);
        var missing = Unique("tp-none");
        (await RunOkAsync(ConnectionString, "portfolios", "delete", p1, p4, missing)).Should().Be("Deleted 2 of 3 named portfolio(s); 1 did not exist.\n");
        (await Portfolio.FindAsync(Store, p1)).Should().BeNull();
        (await Portfolio.FindAsync(Store, p4)).Should().BeNull();
        (await PortfolioGroup.FindAsync(Store, group)).Should().NotBeNull("deleting a portfolio keeps its groups");
    }

    [Test]
    public async Task Portfolio_writes_on_a_host_table_are_exit_8_naming_it_and_write_nothing()
    {
        var connection = await NewDatabaseAsync();
        var (table, mapping) = Db == Db.Postgres ? ("public.host_portfolio", "public.host_portfolio:id:code") : ("host_portfolio", "host_portfolio:id:code");
        await using (var plain = await OpenPlainConnectionAsync(connection))
        {
            await plain.ExecuteAsync(Db == Db.Postgres
                ? $"CREATE TABLE {table} (id uuid PRIMARY KEY, code text NOT NULL UNIQUE); INSERT INTO {table} VALUES ('{Guid.NewGuid()}', 'host-one')"
                : $"CREATE TABLE {table} (id TEXT NOT NULL PRIMARY KEY, code TEXT NOT NULL UNIQUE); INSERT INTO {table} VALUES ('{Guid.NewGuid()}', 'host-one')");
        }

        await RunOkAsync(connection, "migrate", "up", "--portfolio-table", mapping);
        var file = Path.Combine(_folder.Path, "host-portfolios.csv");
        await File.WriteAllTextAsync(file, "host-two,Two\n");

        ShouldFailWithOneLine(await RunAsync(connection, "portfolios", "add", "host-two", "--portfolio-table", mapping), exitCode: 8, "host's table 'host_portfolio'".Replace("'host", Db == Db.Postgres ? "'public.host" : "'host", StringComparison.Ordinal));
        ShouldFailWithOneLine(await RunAsync(connection, "portfolios", "delete", "host-one", "--portfolio-table", mapping), exitCode: 8, "Nothing was written");
        ShouldFailWithOneLine(await RunAsync(connection, "portfolios", "import", file, "--portfolio-table", mapping), exitCode: 8, "--portfolio-table");

        await using (var plain = await OpenPlainConnectionAsync(connection))
        {
            (await plain.QueryAsync<string>($"SELECT code FROM {table}")).Should().Equal("host-one");
        }

        Json(await RunOkAsync(connection, "portfolios", "list", "--json", "--portfolio-table", mapping)).EnumerateArray()
            .Select(p => p.GetProperty("unique_identifier").GetString()).Should().Equal("host-one");
    }

    [Test]
    public async Task A_portfolio_import_with_an_invalid_value_names_its_line_and_writes_nothing()
    {
        var ok = Unique("tp-ok");
        var file = Path.Combine(_folder.Path, "long.csv");
        await File.WriteAllTextAsync(file, $"{ok},Fine\n\n{new string('x', 300)},Too long\n");

        var run = await RunAsync(ConnectionString, "portfolios", "import", file);

        ShouldFailWithOneLine(run, exitCode: 3, "long.csv line 3: UniqueIdentifier");
        (await Portfolio.FindAsync(Store, ok)).Should().BeNull("a failed import writes nothing");
    }

    [Test]
    public async Task A_portfolio_import_with_a_malformed_line_names_the_line_and_writes_nothing()
    {
        var ok = Unique("tp-ok");
        var file = Path.Combine(_folder.Path, "bad.csv");
        await File.WriteAllTextAsync(file, $"{ok},Fine\n{Unique("tp-bad")},Bad,extra\n");

        var run = await RunAsync(ConnectionString, "portfolios", "import", file);

        ShouldFailWithOneLine(run, exitCode: 3, "bad.csv line 2: expected 1 or 2 fields (unique_identifier,display_name), found 3");
        (await Portfolio.FindAsync(Store, ok)).Should().BeNull("a failed import writes nothing");
    }

    [Test]
    public async Task A_csv_that_is_not_utf8_is_exit_3_naming_its_line_and_writes_nothing()
    {
        var group = Unique("latin1");
        var p1 = Unique("p1");
        await PortfolioGroup.AddAsync(Store, group, "Latin-1");
        await Portfolio.AddAsync(Store, p1);
        // "café" in Latin-1: the byte 0xE9 is not UTF-8. Read as U+FFFD it would name a missing portfolio (exit 4).
        var pairs = Path.Combine(_folder.Path, "pairs.csv");
        await File.WriteAllBytesAsync(pairs, [.. Encoding.ASCII.GetBytes($"{group},{p1}\n{group},caf"), 0xE9, (byte)'\n']);
        var newPortfolio = Unique("p-new");
        var portfolios = Path.Combine(_folder.Path, "portfolios.csv");
        await File.WriteAllBytesAsync(portfolios, [.. Encoding.ASCII.GetBytes($"{newPortfolio},Fine\ncaf"), 0xE9, .. Encoding.ASCII.GetBytes(",Latin-1\n")]);

        ShouldFailWithOneLine(await RunAsync(ConnectionString, "import", pairs), exitCode: 3, $"pairs.csv line 2: the text is not UTF-8 (byte {group.Length + 5} of the line)");
        ShouldFailWithOneLine(await RunAsync(ConnectionString, "portfolios", "import", portfolios), exitCode: 3, "portfolios.csv line 2: the text is not UTF-8");

        (await PortfolioGroup.CountPortfoliosAsync(Store, [group]))[(await PortfolioGroup.GetAsync(Store, group)).Uid].Should().Be(0, "a failed import writes nothing");
        (await Portfolio.FindAsync(Store, newPortfolio)).Should().BeNull("a failed import writes nothing");
    }
}
