using Dapper;
using PortfolioGroups.Migrations;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120401 (PostgreSQL): the history's insert and update functions, and the
/// identifiers' update function, plan joins as index lookups only. A trigger function's plans are
/// kept by its session; one made for a bulk add (thousands of rows in the transition table) joined
/// by hashing and read the whole identifier table, and the session then did so for every single
/// add after it. Deterministic, not timed: the identifier table's sequential scans within the
/// single add's transaction (<c>pg_stat_xact_user_tables</c>), at 2026120303 and after this version.
/// </summary>
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
public sealed class HistoryInsertIndexPlansTests(Db db, PortfolioMode portfolioMode) : HistoryDatabaseTest(db, portfolioMode)
{
    private const long Version = M2026120401_HistoryJoinsByIndex.Version;

    private const long PreviousVersion = M2026120303_HistoryCloseLatestOfPair.Version;

    /// <summary>How many memberships the session's first write adds at once.</summary>
    private const int BulkSize = 3_000;

    private static string Identifiers => SchemaModel.PortfolioGroupMembershipHistoryIdentifier.PhysicalName;

    private string Membership => Table("portfolio_group_membership");

    [Test]
    public async Task A_session_whose_first_add_was_a_bulk_add_never_reads_the_whole_identifier_table_for_a_single_add()
    {
        (await IdentifierScansOfASingleAddAsync(PreviousVersion)).Should().BeGreaterThan(0, "at 2026120303 the session keeps the hashed plan it made for the bulk add");
        (await IdentifierScansOfASingleAddAsync(Version)).Should().Be(0, "the functions join by index lookups only");
        (await FunctionSettingsAsync(SchemaModel.HistoryTriggers[0])).Should().Be("jit=off," + M2026120401_HistoryJoinsByIndex.Settings);
        (await FunctionSettingsAsync(SchemaModel.HistoryTriggers[1])).Should().Be("jit=off,enable_seqscan=off,enable_bitmapscan=off,enable_sort=off", "the delete function has no join to plan by hashing: it is left as it was");
        (await FunctionSettingsAsync(SchemaModel.HistoryTriggers[2])).Should().Be("enable_seqscan=off,enable_bitmapscan=off,enable_sort=off,enable_hashjoin=off,enable_mergejoin=off");
        (await FunctionSettingsAsync(SchemaModel.HistoryIdentifierTriggers[0])).Should().Be("jit=off," + M2026120401_HistoryJoinsByIndex.Settings);
    }

    [Test]
    public async Task Down_puts_the_functions_settings_of_2026120303_back()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        (await store.MigrateDownAsync(PreviousVersion)).Ran.Should().Equal(Version);

        (await FunctionSettingsAsync(SchemaModel.HistoryTriggers[0], connectionString)).Should().Be("jit=off");
        (await FunctionSettingsAsync(SchemaModel.HistoryTriggers[2], connectionString)).Should().Be("enable_seqscan=off,enable_bitmapscan=off,enable_sort=off");
        (await FunctionSettingsAsync(SchemaModel.HistoryIdentifierTriggers[0], connectionString)).Should().Be("jit=off");
        (await store.MigrateAsync()).Ran.Should().Equal(Version);
        (await FunctionSettingsAsync(SchemaModel.HistoryTriggers[0], connectionString)).Should().Be("jit=off," + M2026120401_HistoryJoinsByIndex.Settings);
    }

    /// <summary>
    /// On a new database migrated to <paramref name="version"/>: one session first adds
    /// <see cref="BulkSize"/> memberships in one statement (its trigger's plans made then), then one
    /// more; the identifier table's sequential scans by that single add.
    /// </summary>
    private async Task<long> IdentifierScansOfASingleAddAsync(long version)
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        if (version < Version)
        {
            (await store.MigrateDownAsync(version)).Ran.Should().Equal(Version);
        }

        var bulk = await PortfolioGroup.AddAsync(store, Unique("bulk-g"));
        var single = await PortfolioGroup.AddAsync(store, Unique("single-g"));
        await using var session = await OpenPlainConnectionAsync(connectionString);

        // No analyze by the server between the bulk add and the single one: it would make the
        // session plan the function again, for one row, and hide what a kept plan does.
        string[] read = [Table("portfolio"), Table("portfolio_group"), Table(Identifiers), Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName)];
        await session.ExecuteAsync(string.Concat(read.Select(t => $"ALTER TABLE {t} SET (autovacuum_enabled = off); ")));
        await session.ExecuteAsync(
            $"INSERT INTO {Table("portfolio")} (unique_identifier) SELECT 'p' || i FROM generate_series(1, {BulkSize}) i; ANALYZE {Table("portfolio")}");
        (await session.ExecuteAsync($"INSERT INTO {Membership} (portfolio_group_uid, portfolio_uid) SELECT {UidLiteral(bulk.Uid)}, uid FROM {Table("portfolio")}"))
            .Should().Be(BulkSize);

        var portfolio = await session.ExecuteScalarAsync<Guid>($"SELECT uid FROM {Table("portfolio")} WHERE unique_identifier = 'p1'");
        await using var transaction = await session.BeginTransactionAsync();
        var scans = -await HistoryStatAsync(session, transaction, "seq_scan", Identifiers);
        (await session.ExecuteAsync(
            $"INSERT INTO {Membership} (portfolio_group_uid, portfolio_uid) VALUES ({UidLiteral(single.Uid)}, {UidLiteral(portfolio)})", transaction: transaction)).Should().Be(1);
        scans += await HistoryStatAsync(session, transaction, "seq_scan", Identifiers);
        await transaction.CommitAsync();

        var members = await PortfolioGroup.GetPortfoliosAsync(store, single.Uid, DateTimeOffset.UtcNow);
        members.Select(m => m.PortfolioUid).Should().Equal([portfolio], "the single add opened its interval");
        return scans;
    }
}
