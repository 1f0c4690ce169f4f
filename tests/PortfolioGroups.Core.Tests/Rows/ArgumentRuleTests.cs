using System.Text.Json;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// One rule for bad arguments, on every public entry point: a null argument is
/// <see cref="ArgumentNullException"/> naming the parameter; a bad value is
/// <see cref="InvalidValueException"/> naming the field. Either way nothing is written.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
[TestFixture(Db.PostgresPartitioned)]
public sealed class ArgumentRuleTests(Db db) : DatabaseTest(db)
{
    private static readonly PortfolioStore NoStore = null!;

    public static IEnumerable<TestCaseData> NullArguments()
    {
        TestCaseData Case(string parameter, Func<PortfolioStore, Task> call, string name) => new TestCaseData(parameter, call).SetName(name);

        yield return Case("store", _ => Portfolio.AddAsync(NoStore, "p"), "Null store");
        yield return Case("uniqueIdentifier", s => Portfolio.CreateAsync(s, null!), "Null portfolio identifier");
        yield return Case("uniqueIdentifier", s => PortfolioGroup.UpsertAsync(s, null!, "G"), "Null group identifier");
        yield return Case("displayName", s => PortfolioGroup.UpsertAsync(s, "g", null!), "Null group display name");
        yield return Case("displayName", s => PortfolioGroup.CreateAsync(s, "g", null!), "Null group display name on create");
        yield return Case("changes", s => Portfolio.UpdateAsync(s, "p", null!), "Null portfolio changes");
        yield return Case("changes", s => PortfolioGroup.UpdateAsync(s, "g", null!), "Null group changes");
        yield return Case("changes", s => PortfolioGroupMembership.UpdateAsync(s, Guid.NewGuid(), null!), "Null membership changes");
        yield return Case("uids", s => PortfolioGroupMembership.BulkDeleteAsync(s, (IEnumerable<Guid>)null!), "Null membership uids");
        yield return Case("scope", s => PortfolioGroupMembership.BulkDeleteAsync(s, (PortfolioGroupMembershipScope)null!), "Null membership scope");
        yield return Case("connectionString", _ => PortfolioStore.OpenSqliteAsync(null!), "Null SQLite connection string");
        yield return Case("connectionString", _ => PortfolioStore.OpenPostgresAsync((string)null!), "Null PostgreSQL connection string");
        yield return Case("dataSource", _ => PortfolioStore.OpenPostgresAsync((Npgsql.NpgsqlDataSource)null!), "Null data source");
        yield return Case("pairs", s => PortfolioGroupMembership.AddManyAsync(s, (IEnumerable<(PortfolioGroupRef, PortfolioRef)>)null!), "Null pairs to add");
        yield return Case("pairs", s => PortfolioGroupMembership.AddManyAsync(s, (IAsyncEnumerable<(PortfolioGroupRef, PortfolioRef)>)null!), "Null stream of pairs to add");
        yield return Case("portfolios", s => PortfolioGroup.AddPortfoliosAsync(s, "g", null!), "Null portfolios to add to a group");
        yield return Case("portfolios", s => PortfolioGroup.SetPortfoliosAsync(s, "g", null!), "Null portfolios to set for a group");
        yield return Case("rows", s => Portfolio.UpsertManyAsync(s, null!), "Null portfolio rows to upsert");
        yield return Case("rows", s => PortfolioGroup.UpsertManyAsync(s, null!), "Null group rows to upsert");
        yield return Case("portfolios", s => PortfolioGroup.GetGroupsForPortfoliosAsync(s, null!), "Null portfolios to list groups of");
    }

    public static IEnumerable<TestCaseData> BadValues()
    {
        TestCaseData Case(string field, Func<PortfolioStore, Task> call, string name) => new TestCaseData(field, call).SetName(name);

        yield return Case("uniqueIdentifier", s => Portfolio.AddAsync(s, " "), "Blank identifier");
        yield return Case("displayName", s => PortfolioGroup.AddAsync(s, "g", ""), "Empty group display name");
        yield return Case("changes.DisplayName", s => PortfolioGroup.UpdateAsync(s, "g", new PortfolioGroupChanges { DisplayName = null! }), "Display name changed to null");
        yield return Case("metadata", s => PortfolioGroup.AddAsync(s, "g", "G", metadata: JsonDocument.Parse("[1]").RootElement), "Metadata that is not an object");
        yield return Case("group", s => PortfolioGroup.AddPortfolioAsync(s, (string)null!, "p"), "A group reference that names nothing");
        yield return Case("portfolio", s => Portfolio.GetAsync(s, Guid.Empty), "The empty uid");
        yield return Case("uniqueIdentifiers", s => PortfolioGroup.BulkDeleteAsync(s, uniqueIdentifiers: ["ok", null!]), "A null item in a list of identifiers");
        yield return Case("scope.Portfolios", s => PortfolioGroupMembership.BulkDeleteAsync(s, new PortfolioGroupMembershipScope { Portfolios = [""] }), "A blank reference in a scope");
        yield return Case("page.Size", s => Portfolio.FilterPageAsync(s, null, PageRequest.First(0)), "A page of no rows");
        yield return Case("PostgresSchema", _ => PortfolioStore.OpenPostgresAsync("Host=127.0.0.1", new PortfolioStoreOptions { PostgresSchema = "information_schema" }), "The information_schema as the schema");
        yield return Case("connectionString", _ => PortfolioStore.OpenSqliteAsync("Data Source=encrypted;Mode=Memory;Cache=Shared;Password=secret"), "A SQLite password, which this SQLite build cannot use");
        yield return Case("uids, uniqueIdentifiers", s => Portfolio.BulkDeleteAsync(s), "A portfolio bulk delete that names nothing");
        yield return Case("rows[1].UniqueIdentifier", s => Portfolio.UpsertManyAsync(s, [new PortfolioUpsert("ok"), new PortfolioUpsert(" ")]), "A blank identifier in an upsert of many");
        yield return Case("filter.InAllGroups", s => Portfolio.FilterAsync(s, new PortfolioFilter { InAllGroups = [""] }), "A blank group in a set query");
    }

    [TestCaseSource(nameof(NullArguments))]
    public async Task A_null_argument_is_an_ArgumentNullException_naming_the_parameter(string parameter, Func<PortfolioStore, Task> call)
    {
        var before = await CountRowsAsync();

        (await FluentActions.Awaiting(() => call(Store)).Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be(parameter);
        (await CountRowsAsync()).Should().Be(before);
    }

    [TestCaseSource(nameof(BadValues))]
    public async Task A_bad_value_is_an_InvalidValueException_naming_the_field(string field, Func<PortfolioStore, Task> call)
    {
        var before = await CountRowsAsync();

        (await FluentActions.Awaiting(() => call(Store)).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be(field);
        (await CountRowsAsync()).Should().Be(before);
    }

    private async Task<long> CountRowsAsync()
    {
        var portfolios = await Portfolio.FilterAsync(Store);
        var groups = await PortfolioGroup.FilterAsync(Store);
        var memberships = await PortfolioGroupMembership.FilterAsync(Store);
        return portfolios.Count + groups.Count + memberships.Count;
    }
}
