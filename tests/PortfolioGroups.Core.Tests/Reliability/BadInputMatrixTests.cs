using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>One bad input through the public API: what it calls, and the error it must give.</summary>
/// <param name="Call">The call, on the fixture's store (which holds group <c>g-existing</c> with portfolio <c>p-existing</c>).</param>
/// <param name="Exception">The library exception expected.</param>
/// <param name="Field">The field <see cref="InvalidValueException.Field"/> names, or for <see cref="RowNotFoundException"/> the table.</param>
public sealed record BadInput(string Name, Func<PortfolioStore, Task> Call, Type Exception, string Field)
{
    public override string ToString() => Name;
}

/// <summary>
/// The table of bad inputs: each case goes through the public API on both databases and must fail
/// with the library's exception, naming the field, with every row of every table unchanged.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class BadInputMatrixTests(Db db) : DatabaseTest(db)
{
    /// <summary>Identifiers the library refuses (after trimming).</summary>
    private static readonly (string Label, string Value)[] BadIdentifiers =
    [
        ("empty", ""),
        ("space", " "),
        ("spaces", "     "),
        ("tab and newline", "\t\n"),
        ("no-break space only", "\u00A0"),
        ("ideographic space only", "\u3000"),
        ("256 characters", new string('x', 256)),
        ("256 emoji (512 UTF-16 units)", string.Concat(Enumerable.Repeat("😀", 256))),
        ("NUL inside", "a\0b"),
        ("NUL only", "\0"),
        ("U+0001 inside", "a\u0001b"),
        ("tab inside", "tab\tinside"),
        ("newline inside", "line\nbreak"),
        ("carriage return inside", "cr\rinside"),
        ("DEL", "del\u007F"),
        ("C1 NEL inside", "a\u0085b"),
        ("C1 U+009F inside", "a\u009Fb"),
        ("lone high surrogate", "\uD800"),
        ("lone low surrogate", "\uDC00"),
        ("high surrogate inside", "x\uD800y"),
        ("reversed pair", "\uDC00\uD800"),
        ("escape character", "esc\u001B[31m"),
    ];

    private static readonly (string Label, string Value)[] BadDisplayNames =
    [
        ("empty", ""),
        ("spaces", "   "),
        ("tab", "\t"),
        ("256 characters", new string('n', 256)),
        ("NUL inside", "a\0b"),
        ("lone surrogate", "bad \uDC00 name"),
    ];

    private static readonly (string Label, string Json, JsonDocumentOptions Options)[] BadMetadata =
    [
        ("an array", "[1, 2]", default),
        ("a string", "\"text\"", default),
        ("a number", "42", default),
        ("true", "true", default),
        ("65 levels deep", Nested(65), new JsonDocumentOptions { MaxDepth = 100 }),
        ("10,000 levels deep", Nested(10_000), new JsonDocumentOptions { MaxDepth = 20_000 }),
        ("a comment", "{\"a\": 1 /* c */}", new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }),
        ("trailing commas", "{\"a\": [1,],}", new JsonDocumentOptions { AllowTrailingCommas = true }),
        ("NUL in a string", "{\"a\": \"x\\u0000y\"}", default),
        ("NUL in a key", "{\"k\\u0000\": 1}", default),
        ("lone surrogate in a string", "{\"a\": \"\\ud800\"}", default),
    ];

    public static IEnumerable<BadInput> Cases()
    {
        foreach (var (label, value) in BadIdentifiers)
        {
            yield return Invalid($"Portfolio.AddAsync identifier {label}", s => Portfolio.AddAsync(s, value), "uniqueIdentifier");
            yield return Invalid($"Portfolio.CreateAsync identifier {label}", s => Portfolio.CreateAsync(s, value), "uniqueIdentifier");
            yield return Invalid($"Portfolio.UpsertAsync identifier {label}", s => Portfolio.UpsertAsync(s, value), "uniqueIdentifier");
            yield return Invalid($"PortfolioGroup.AddAsync identifier {label}", s => PortfolioGroup.AddAsync(s, value, "G"), "uniqueIdentifier");
            yield return Invalid($"PortfolioGroup.CreateAsync identifier {label}", s => PortfolioGroup.CreateAsync(s, value, "G"), "uniqueIdentifier");
            yield return Invalid($"PortfolioGroup.UpsertAsync identifier {label}", s => PortfolioGroup.UpsertAsync(s, value, "G"), "uniqueIdentifier");
            yield return Invalid($"PortfolioGroup.GetAsync reference {label}", s => PortfolioGroup.GetAsync(s, value), "group");
            yield return Invalid($"Portfolio.GetAsync reference {label}", s => Portfolio.GetAsync(s, value), "portfolio");
            yield return Invalid($"PortfolioGroup.AddPortfolioAsync group {label}", s => PortfolioGroup.AddPortfolioAsync(s, value, "p-existing"), "group");
            yield return Invalid($"PortfolioGroup.AddPortfolioAsync portfolio {label}", s => PortfolioGroup.AddPortfolioAsync(s, "g-existing", value), "portfolio");
        }

        foreach (var (label, value) in BadDisplayNames)
        {
            yield return Invalid($"Portfolio.AddAsync display name {label}", s => Portfolio.AddAsync(s, "p-new", value), "displayName");
            yield return Invalid($"PortfolioGroup.AddAsync display name {label}", s => PortfolioGroup.AddAsync(s, "g-new", value), "displayName");
            yield return Invalid($"PortfolioGroup.UpdateAsync display name {label}", s => PortfolioGroup.UpdateAsync(s, "g-existing", new PortfolioGroupChanges { DisplayName = value }), "changes.DisplayName");
        }

        yield return Invalid("PortfolioGroup.AddAsync description NUL", s => PortfolioGroup.AddAsync(s, "g-new", "G", "de\0scription"), "description");
        yield return Invalid("PortfolioGroup.AddAsync description lone surrogate", s => PortfolioGroup.AddAsync(s, "g-new", "G", "\uD800"), "description");
        yield return Invalid("PortfolioGroup.UpdateAsync description NUL", s => PortfolioGroup.UpdateAsync(s, "g-existing", new PortfolioGroupChanges { Description = "x\0" }), "changes.Description");

        foreach (var (label, json, options) in BadMetadata)
        {
            yield return Invalid($"PortfolioGroup.AddAsync metadata {label}", s => PortfolioGroup.AddAsync(s, "g-new", "G", metadata: Parse(json, options)), "metadata");
            yield return Invalid($"PortfolioGroup.UpdateAsync metadata {label}", s => PortfolioGroup.UpdateAsync(s, "g-existing", new PortfolioGroupChanges { Metadata = Parse(json, options) }), "changes.Metadata");
        }

        yield return Invalid("Portfolio.GetAsync Guid.Empty", s => Portfolio.GetAsync(s, Guid.Empty), "portfolio");
        yield return Invalid("PortfolioGroup.GetAsync Guid.Empty", s => PortfolioGroup.GetAsync(s, Guid.Empty), "group");
        yield return Invalid("Portfolio.CreateAsync uid Guid.Empty", s => Portfolio.CreateAsync(s, "p-new", uid: Guid.Empty), "uid");
        yield return Invalid("PortfolioGroup.CreateAsync uid Guid.Empty", s => PortfolioGroup.CreateAsync(s, "g-new", "G", uid: Guid.Empty), "uid");
        yield return Invalid("PortfolioGroup.AddPortfolioAsync group Guid.Empty", s => PortfolioGroup.AddPortfolioAsync(s, Guid.Empty, "p-existing"), "group");

        yield return NotFound("PortfolioGroup.GetAsync unknown identifier", s => PortfolioGroup.GetAsync(s, "g-unknown"), "PortfolioGroup");
        yield return NotFound("Portfolio.GetAsync unknown uid", s => Portfolio.GetAsync(s, Guid.Parse("0193a1b2-0000-7000-8000-000000000001")), "Portfolio");
        yield return NotFound("PortfolioGroup.AddPortfolioAsync unknown group", s => PortfolioGroup.AddPortfolioAsync(s, "g-unknown", "p-existing"), "PortfolioGroup");
        yield return NotFound("PortfolioGroup.AddPortfolioAsync unknown portfolio", s => PortfolioGroup.AddPortfolioAsync(s, "g-existing", "p-unknown"), "Portfolio");
        yield return NotFound("PortfolioGroup.UpdateAsync unknown group", s => PortfolioGroup.UpdateAsync(s, "g-unknown", new PortfolioGroupChanges { DisplayName = "X" }), "PortfolioGroup");
        yield return Duplicate("Portfolio.CreateAsync existing identifier", s => Portfolio.CreateAsync(s, "p-existing"), "Portfolio");
        yield return Duplicate("PortfolioGroup.CreateAsync existing identifier", s => PortfolioGroup.CreateAsync(s, "g-existing", "G"), "PortfolioGroup");

        yield return Invalid("Portfolio.BulkDeleteAsync names nothing", s => Portfolio.BulkDeleteAsync(s), "uids, uniqueIdentifiers");
        yield return Invalid("PortfolioGroup.BulkDeleteAsync names nothing", s => PortfolioGroup.BulkDeleteAsync(s), "uids, uniqueIdentifiers");
        yield return Invalid("PortfolioGroupMembership.BulkDeleteAsync empty scope", s => PortfolioGroupMembership.BulkDeleteAsync(s, new PortfolioGroupMembershipScope()), "scope");
        var forty = Enumerable.Range(0, 40_000).Select(i => $"p-{i}").ToArray();
        forty[39_999] = "  ";
        yield return Invalid("PortfolioGroup.BulkDeleteAsync 40,000 identifiers, the last blank", s => PortfolioGroup.BulkDeleteAsync(s, uniqueIdentifiers: forty), "uniqueIdentifiers");
        yield return Invalid("Portfolio.BulkDeleteAsync 40,000 identifiers, the last blank", s => Portfolio.BulkDeleteAsync(s, uniqueIdentifiers: forty), "uniqueIdentifiers");
        var fortyUids = Enumerable.Range(0, 40_000).Select(_ => Guid.NewGuid()).ToArray();
        fortyUids[20_000] = Guid.Empty;
        yield return Invalid("Portfolio.BulkDeleteAsync 40,000 uids, one empty", s => Portfolio.BulkDeleteAsync(s, uids: fortyUids), "uids");
        yield return Invalid("Portfolio.UpsertManyAsync 40,000 rows, the last blank", s => Portfolio.UpsertManyAsync(s, forty.Select(f => new PortfolioUpsert(f))), "rows[39999].UniqueIdentifier");

        foreach (var size in new[] { 0, -1, PageRequest.MaxSize + 1, int.MinValue, int.MaxValue })
        {
            yield return Invalid($"Portfolio.FilterAsync page size {size}", s => Portfolio.FilterPageAsync(s, null, new PageRequest { Size = size }), "page.Size");
            yield return Invalid($"PortfolioGroup.FilterAsync page size {size}", s => PortfolioGroup.FilterPageAsync(s, null, new PageRequest { Size = size }), "page.Size");
        }

        foreach (var cursor in new[] { "garbage", "", "////", "eyJ4IjoxfQ", new string('A', 5000), "\0" })
        {
            yield return Invalid($"Portfolio.FilterAsync cursor {Show(cursor)}", s => Portfolio.FilterPageAsync(s, null, new PageRequest { After = cursor }), "page.After");
            yield return Invalid($"PortfolioGroup.FilterAsync cursor {Show(cursor)}", s => PortfolioGroup.FilterPageAsync(s, null, new PageRequest { After = cursor }), "page.After");
        }

        yield return Invalid("Portfolio.FilterAsync search NUL", s => Portfolio.FilterAsync(s, new PortfolioFilter { Search = "\0" }), "filter.Search");
        yield return Invalid("PortfolioGroup.FilterAsync search lone surrogate", s => PortfolioGroup.FilterAsync(s, new PortfolioGroupFilter { Search = "\uDFFF" }), "filter.Search");
    }

    [OneTimeSetUp]
    public async Task SeedAsync()
    {
        var group = await PortfolioGroup.AddAsync(Store, "g-existing", "Existing");
        await group.AddPortfolioAsync(await Portfolio.AddAsync(Store, "p-existing"));
    }

    [TestCaseSource(nameof(Cases))]
    public async Task A_bad_input_is_refused_naming_the_field_and_writes_nothing(BadInput input)
    {
        var before = await SnapshotAsync();
        before.Should().Contain(row => row.Contains("g-existing", StringComparison.Ordinal), "the snapshot holds the rows' contents");

        var thrown = await FluentActions.Awaiting(() => input.Call(Store)).Should().ThrowAsync<PortfolioGroupsException>();

        thrown.Which.Should().BeOfType(input.Exception);
        switch (thrown.Which)
        {
            case InvalidValueException invalid:
                invalid.Field.Should().Be(input.Field);
                break;
            case RowNotFoundException missing:
                missing.Table.Should().Be(input.Field);
                break;
            case DuplicateKeyException duplicate:
                duplicate.Table.Should().Be(input.Field);
                break;
        }

        (await SnapshotAsync()).Should().Equal(before, "nothing was inserted, deleted or changed");
    }

    [TestCase("'; DROP TABLE portfolio; --")]
    [TestCase("\" OR 1=1 --")]
    [TestCase("%_\\ wildcard")]
    [TestCase("$1 @p :name ?")]
    [TestCase("Robert'); DELETE FROM portfolio_group_membership;--")]
    public async Task An_injection_looking_identifier_is_stored_verbatim_and_harms_nothing(string value)
    {
        var before = await CountsAsync();

        var group = await PortfolioGroup.AddAsync(Store, value, value, value);

        (await PortfolioGroup.GetAsync(Store, value)).Should().Be(group);
        group.UniqueIdentifier.Should().Be(value);
        (await PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { Search = value })).Should().Contain(group);
        var after = await CountsAsync();
        after.Should().Equal(before[0], before[1] + 1, before[2]);
        await PortfolioGroup.DeleteAsync(Store, group.Uid);
    }

    [Test]
    public async Task Empty_lists_delete_nothing_and_are_never_read_as_everything()
    {
        var before = await SnapshotAsync();

        (await Portfolio.BulkDeleteAsync(Store, uniqueIdentifiers: [])).Should().Be(0);
        (await PortfolioGroup.BulkDeleteAsync(Store, uids: [])).Should().Be(0);
        (await PortfolioGroupMembership.BulkDeleteAsync(Store, new PortfolioGroupMembershipScope { Groups = [] })).Should().Be(0);
        (await PortfolioGroupMembership.BulkDeleteAsync(Store, uids: [])).Should().Be(0);
        (await Portfolio.BulkDeleteAsync(Store, uniqueIdentifiers: Enumerable.Range(0, 40_000).Select(i => $"unknown-{i}"))).Should().Be(0);

        (await SnapshotAsync()).Should().Equal(before);
    }

    private async Task<long[]> CountsAsync()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var counts = new List<long>();
        foreach (var table in new[] { "portfolio", "portfolio_group", "portfolio_group_membership" })
        {
            counts.Add(await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table(table)}"));
        }

        return [.. counts];
    }

    /// <summary>Every row of the three tables, every column, as text: a wrongful UPDATE shows here, not only an INSERT or DELETE.</summary>
    private async Task<List<string>> SnapshotAsync()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var rows = new List<string>();
        foreach (var table in new[] { "portfolio", "portfolio_group", "portfolio_group_membership" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {Table(table)} ORDER BY uid";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var columns = Enumerable.Range(0, reader.FieldCount)
                    .Select(i => $"{reader.GetName(i)}={(reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))}");
                rows.Add($"{table}: {string.Join("; ", columns)}");
            }
        }

        return rows;
    }

    private static BadInput Invalid(string name, Func<PortfolioStore, Task> call, string field) => new(name, call, typeof(InvalidValueException), field);

    private static BadInput NotFound(string name, Func<PortfolioStore, Task> call, string table) => new(name, call, typeof(RowNotFoundException), table);

    private static BadInput Duplicate(string name, Func<PortfolioStore, Task> call, string table) => new(name, call, typeof(DuplicateKeyException), table);

    private static JsonElement Parse(string json, JsonDocumentOptions options) => JsonDocument.Parse(json, options).RootElement;

    private static string Nested(int depth)
    {
        var text = new StringBuilder();
        text.Append('{');
        for (var i = 1; i < depth; i++)
        {
            text.Append("\"a\":{");
        }

        text.Append(new string('}', depth));
        return text.ToString();
    }

    private static string Show(string value) =>
        value.Length > 20 ? $"{value.Length} chars" : string.Concat(value.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:X4}" : c.ToString(CultureInfo.InvariantCulture)));
}

/// <summary>Schema names refused when opening on PostgreSQL (SQLite has no schemas): nothing is created.</summary>
[TestFixture(Db.Postgres)]
public sealed class BadSchemaNameTests(Db db) : DatabaseTest(db)
{
    /// <summary>Schema names refused when opening on PostgreSQL.</summary>
    public static IEnumerable<string> BadSchemas() =>
        ["information_schema", "pg_catalog", "pg_toast", "Upper", "has space", "x;drop schema public", "", "1digit", new string('s', 64), "quote\"d", "ünï"];

    [TestCaseSource(nameof(BadSchemas))]
    public async Task A_bad_postgres_schema_name_is_refused_naming_the_option(string schema)
    {
        var before = await TablesAsync();
        var open = () => PortfolioStore.OpenPostgresAsync(ConnectionString, new PortfolioStoreOptions { PostgresSchema = schema });

        (await open.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("PostgresSchema");
        (await TablesAsync()).Should().Equal(before);
    }

    private async Task<List<string>> TablesAsync()
    {
        await using var connection = await OpenPlainConnectionAsync();
        return [.. await connection.QueryAsync<string>("SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")];
    }
}
