using System.Data.Common;
using System.Text.Json;
using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>
/// Rows written with plain SQL into a database older than migration 2026120101 (which makes the
/// database refuse them): every reader still works. A row that can be read faithfully is read; one
/// that cannot fails only the calls that return it, with the library's
/// <see cref="UnreadableRowException"/> naming the table and the row's uid.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class OutsideRowTests(Db db) : DatabaseTest(db)
{
    /// <summary>The version before the migration that checks the uid shape and the metadata depth.</summary>
    private const long PreviousVersion = 2026112902;

    private const string BadUid = "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz";

    [Test]
    public async Task Metadata_nested_deeper_than_the_library_writes_is_read_as_it_is_by_every_reader()
    {
        await using var store = await OlderStoreAsync();
        var good = await PortfolioGroup.AddAsync(store, "good", "Good");
        var portfolio = await Portfolio.AddAsync(store, "p");
        await good.AddPortfolioAsync(portfolio);
        var deep = await InsertGroupAsync("deep", Nested(100));
        await PortfolioGroup.AddPortfolioAsync(store, "deep", "p");

        var listed = await ToListAsync(PortfolioGroup.StreamAsync(store));
        listed.Select(g => g.UniqueIdentifier).Should().BeEquivalentTo(["good", "deep"]);
        Depth(listed.Single(g => g.UniqueIdentifier == "deep").Metadata!.Value).Should().Be(100);
        (await PortfolioGroup.FilterAsync(store)).Select(g => g.Uid).Should().BeEquivalentTo([good.Uid, deep]);
        Depth((await PortfolioGroup.GetAsync(store, deep)).Metadata!.Value).Should().Be(100);
        (await PortfolioGroup.GetGroupsForPortfolioAsync(store, "p")).Should().HaveCount(2);
        (await PortfolioGroup.CountPortfoliosAsync(store)).Values.Should().Equal(1, 1);

        // A row read can be written: the library's JSON context reads the depth it returns.
        JsonSerializer.Serialize(listed.Single(g => g.Uid == deep), PortfolioGroupsJsonContext.Default.PortfolioGroup).Should().Contain("{\"a\":{\"a\":");
    }

    [Test]
    public async Task Metadata_the_library_cannot_read_fails_only_the_calls_that_return_its_row()
    {
        await using var store = await OlderStoreAsync();
        var good = await PortfolioGroup.AddAsync(store, "good", "Good");
        var portfolio = await Portfolio.AddAsync(store, "p");
        await good.AddPortfolioAsync(portfolio);

        if (Db == Db.Sqlite)
        {
            // SQLite's own JSON reads at most 1,000 levels, so its CHECK (json_valid) refuses deeper
            // metadata: every metadata SQLite holds is read (1,000 levels, the library's read depth).
            await FluentActions.Awaiting(() => InsertGroupAsync("too-deep", Nested(1_001))).Should().ThrowAsync<DbException>();
            var deepest = await InsertGroupAsync("deepest", Nested(1_000));
            Depth((await PortfolioGroup.GetAsync(store, deepest)).Metadata!.Value).Should().Be(1_000);
            return;
        }

        // PostgreSQL holds metadata of any depth.
        var bad = await InsertGroupAsync("bad", Nested(1_001));
        await PortfolioGroup.AddPortfolioAsync(store, "bad", "p");

        var expected = (Table: "PortfolioGroup", Uid: bad.ToString("D"), Column: "metadata_json");
        ExpectUnreadable(await FluentActions.Awaiting(() => ToListAsync(PortfolioGroup.StreamAsync(store))).Should().ThrowAsync<UnreadableRowException>(), expected);
        ExpectUnreadable(await FluentActions.Awaiting(() => PortfolioGroup.FilterAsync(store)).Should().ThrowAsync<UnreadableRowException>(), expected);
        ExpectUnreadable(await FluentActions.Awaiting(() => PortfolioGroup.GetAsync(store, "bad")).Should().ThrowAsync<UnreadableRowException>(), expected);
        ExpectUnreadable(await FluentActions.Awaiting(() => PortfolioGroup.GetGroupsForPortfolioAsync(store, "p")).Should().ThrowAsync<UnreadableRowException>(), expected);

        // Calls that do not return the row work.
        (await PortfolioGroup.GetAsync(store, "good")).Uid.Should().Be(good.Uid);
        (await PortfolioGroup.FilterAsync(store, new PortfolioGroupFilter { UniqueIdentifiers = ["good"] })).Select(g => g.Uid).Should().Equal(good.Uid);
        (await PortfolioGroup.CountPortfoliosAsync(store)).Should().BeEquivalentTo(new Dictionary<Guid, long> { [good.Uid] = 1, [bad] = 1 });
        (await PortfolioGroup.GetPortfoliosAsync(store, "bad")).Select(p => p.Uid).Should().Equal(portfolio.Uid);
        (await ToListAsync(PortfolioGroupMembership.StreamAsync(store))).Should().HaveCount(2);

        // The row can still be fixed or deleted through the library.
        (await PortfolioGroup.UpdateAsync(store, "good", new PortfolioGroupChanges { Description = "still writable" })).Description.Should().Be("still writable");
        (await PortfolioGroup.DeleteAsync(store, "bad")).Should().BeTrue();
        (await ToListAsync(PortfolioGroup.StreamAsync(store))).Select(g => g.Uid).Should().Equal(good.Uid);
    }

    [Test]
    public async Task A_uid_that_is_not_a_uuid_fails_only_the_calls_that_return_its_row()
    {
        if (Db == Db.Postgres)
        {
            Assert.Ignore("PostgreSQL's uuid columns hold only UUIDs.");
        }

        await using var store = await OlderStoreAsync();
        var good = await PortfolioGroup.AddAsync(store, "good", "Good");
        var portfolio = await Portfolio.AddAsync(store, "p");
        await good.AddPortfolioAsync(portfolio);
        await using (var connection = await OpenPlainConnectionAsync(_olderConnectionString))
        {
            await connection.ExecuteAsync($"INSERT INTO {Table("portfolio_group")} (uid, unique_identifier, display_name) VALUES ('{BadUid}', 'bad', 'Bad')");
            await connection.ExecuteAsync($"INSERT INTO {Table("portfolio")} (uid, unique_identifier) VALUES ('{BadUid}', 'bad-p')");
        }

        var group = (Table: "PortfolioGroup", Uid: BadUid, Column: "uid");
        ExpectUnreadable(await FluentActions.Awaiting(() => ToListAsync(PortfolioGroup.StreamAsync(store))).Should().ThrowAsync<UnreadableRowException>(), group);
        ExpectUnreadable(await FluentActions.Awaiting(() => PortfolioGroup.FilterAsync(store)).Should().ThrowAsync<UnreadableRowException>(), group);
        ExpectUnreadable(await FluentActions.Awaiting(() => PortfolioGroup.GetAsync(store, "bad")).Should().ThrowAsync<UnreadableRowException>(), group);
        ExpectUnreadable(await FluentActions.Awaiting(() => PortfolioGroup.FindAsync(store, "bad")).Should().ThrowAsync<UnreadableRowException>(), group);
        var bad = (Table: "Portfolio", Uid: BadUid, Column: "uid");
        ExpectUnreadable(await FluentActions.Awaiting(() => ToListAsync(Portfolio.StreamAsync(store))).Should().ThrowAsync<UnreadableRowException>(), bad);
        ExpectUnreadable(await FluentActions.Awaiting(() => Portfolio.FilterAsync(store)).Should().ThrowAsync<UnreadableRowException>(), bad);

        // Calls that do not return the rows work, counts among them.
        (await PortfolioGroup.GetAsync(store, "good")).Uid.Should().Be(good.Uid);
        (await PortfolioGroup.FindAsync(store, "good"))!.Uid.Should().Be(good.Uid);
        (await PortfolioGroup.FilterAsync(store, new PortfolioGroupFilter { UniqueIdentifiers = ["good"] })).Select(g => g.Uid).Should().Equal(good.Uid);
        (await ToListAsync(PortfolioGroup.StreamPortfoliosAsync(store, "good"))).Select(p => p.Uid).Should().Equal(portfolio.Uid);
        (await PortfolioGroup.GetGroupsForPortfoliosAsync(store, ["p"])).Should().NotBeEmpty();
        (await Portfolio.FilterAsync(store, new PortfolioFilter { UniqueIdentifiers = ["p"] })).Select(p => p.Uid).Should().Equal(portfolio.Uid);
        (await PortfolioGroup.GetPortfoliosAsync(store, "good")).Select(p => p.Uid).Should().Equal(portfolio.Uid);
        (await PortfolioGroup.GetGroupsForPortfolioAsync(store, "p")).Select(g => g.Uid).Should().Equal(good.Uid);
        (await PortfolioGroup.CountPortfoliosAsync(store, ["good"])).Should().BeEquivalentTo(new Dictionary<Guid, long> { [good.Uid] = 1 });
        (await ToListAsync(PortfolioGroupMembership.StreamAsync(store))).Should().ContainSingle();

        // Counts keyed by uid over every group would have to name the row by its uid: they fail as a listing does.
        ExpectUnreadable(await FluentActions.Awaiting(() => PortfolioGroup.CountPortfoliosAsync(store)).Should().ThrowAsync<UnreadableRowException>(), group);

        // A membership that points at the bad row is unreadable as a membership too, named by its own uid.
        await using (var connection = await OpenPlainConnectionAsync(_olderConnectionString))
        {
            await connection.ExecuteAsync($"INSERT INTO {Table("portfolio_group_membership")} (uid, portfolio_group_uid, portfolio_uid) VALUES ('0193a1b2-0000-7000-8000-00000000000a', '{BadUid}', '{portfolio.Uid:D}')");
        }

        ExpectUnreadable(
            await FluentActions.Awaiting(() => ToListAsync(PortfolioGroupMembership.StreamAsync(store))).Should().ThrowAsync<UnreadableRowException>(),
            (Table: "PortfolioGroupMembership", Uid: "0193a1b2-0000-7000-8000-00000000000a", Column: "portfolio_group_uid"));
        (await PortfolioGroup.CountPortfoliosAsync(store, ["good"])).Should().BeEquivalentTo(new Dictionary<Guid, long> { [good.Uid] = 1 });
    }

    [TestCase("{\"\\udc00\": 1}")]
    [TestCase("{\"ok\": {\"\\ud800x\": [1]}}")]
    public async Task A_metadata_key_that_is_a_lone_surrogate_is_refused_naming_the_field_and_nothing_is_written(string json)
    {
        var metadata = JsonDocument.Parse(json).RootElement;
        var existing = await PortfolioGroup.AddAsync(Store, Unique("keep"), "Keep", metadata: JsonDocument.Parse("{\"k\": 1}").RootElement);
        var name = Unique("surrogate-key");

        await ExpectInvalid(() => PortfolioGroup.CreateAsync(Store, name, "G", metadata: metadata), "metadata");
        await ExpectInvalid(() => PortfolioGroup.AddAsync(Store, name, "G", metadata: metadata), "metadata");
        await ExpectInvalid(() => PortfolioGroup.UpsertAsync(Store, name, "G", metadata: metadata), "metadata");
        await ExpectInvalid(() => PortfolioGroup.UpdateAsync(Store, existing.UniqueIdentifier, new PortfolioGroupChanges { Metadata = metadata }), "changes.Metadata");
        await ExpectInvalid(
            () => PortfolioGroup.UpsertManyAsync(Store, [new PortfolioGroupUpsert(Unique("fine"), "Fine"), new PortfolioGroupUpsert(name, "G", Metadata: metadata)]),
            "rows[1].Metadata");

        (await PortfolioGroup.FindAsync(Store, name)).Should().BeNull();
        (await PortfolioGroup.GetAsync(Store, existing.Uid)).Should().Be(existing);
    }

    private static async Task ExpectInvalid(Func<Task> call, string field) =>
        (await call.Should().ThrowExactlyAsync<InvalidValueException>()).Which.Field.Should().Be(field);

    private static void ExpectUnreadable(FluentAssertions.Specialized.ExceptionAssertions<UnreadableRowException> thrown, (string Table, string Uid, string Column) expected)
    {
        var error = thrown.Which;
        (error.Table, error.Uid, error.Column).Should().Be(expected);
        error.Message.Should().Contain(expected.Table).And.Contain(expected.Uid);
    }

    /// <summary>A store on a new database migrated only to the version before the database checks these rules.</summary>
    private async Task<PortfolioStore> OlderStoreAsync()
    {
        var connectionString = await NewDatabaseAsync();
        var store = await OpenStoreAsync(connectionString);
        await store.MigrateDownAsync(PreviousVersion);
        _olderConnectionString = connectionString;
        return store;
    }

    private string? _olderConnectionString;

    private async Task<Guid> InsertGroupAsync(string uniqueIdentifier, string metadataJson)
    {
        var uid = Guid.CreateVersion7();
        await using var connection = await OpenPlainConnectionAsync(_olderConnectionString);
        var json = Db == Db.Postgres ? "CAST(@metadata AS jsonb)" : "@metadata";
        await connection.ExecuteAsync(
            $"INSERT INTO {Table("portfolio_group")} (uid, unique_identifier, display_name, metadata_json) VALUES (@uid, @uniqueIdentifier, 'Outside', {json})",
            new OutsideGroup(Db == Db.Postgres ? uid : uid.ToString("D"), uniqueIdentifier, metadataJson));
        return uid;
    }

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth - 1)) + "{}" + new string('}', depth - 1);

    private static int Depth(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => 1 + element.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + element.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> rows)
    {
        var list = new List<T>();
        await foreach (var row in rows)
        {
            list.Add(row);
        }

        return list;
    }
}

/// <summary>The parameters of an outside insert of a group (a concrete type: the tests run with dynamic code off).</summary>
internal sealed record OutsideGroup(object uid, string uniqueIdentifier, string metadata);
