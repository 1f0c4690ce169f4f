using Dapper;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>Streaming reads: every row, in order, in memory that does not grow; cancellable; the connection held only while enumerating.</summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class StreamingTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    [Test]
    public async Task Streaming_a_hundred_thousand_member_group_reaches_every_row_in_order()
    {
        var (group, portfolios) = await SeedGroupAsync(Unique("big"), 100_000);

        var count = 0;
        var previous = Guid.Empty;
        var inOrder = true;
        var missing = new HashSet<Guid>(portfolios);
        await foreach (var portfolio in PortfolioGroup.StreamPortfoliosAsync(Store, group))
        {
            inOrder &= portfolio.Uid.CompareTo(previous) > 0;
            previous = portfolio.Uid;
            missing.Remove(portfolio.Uid);
            count++;
        }

        count.Should().Be(100_000);
        missing.Should().BeEmpty();
        inOrder.Should().BeTrue();
    }

    [Test]
    public async Task A_stream_can_be_cancelled_midway()
    {
        var (group, _) = await SeedGroupAsync(Unique("cancel"), 5_000);
        using var cancellation = new CancellationTokenSource();

        var read = 0;
        var enumerate = async () =>
        {
            await foreach (var _ in PortfolioGroup.StreamPortfoliosAsync(Store, group).WithCancellation(cancellation.Token))
            {
                if (++read == 10)
                {
                    await cancellation.CancelAsync();
                }
            }
        };

        await enumerate.Should().ThrowAsync<OperationCanceledException>();
        read.Should().Be(10);
        (await PortfolioGroup.StreamPortfoliosAsync(Store, group).CountAsync()).Should().Be(5_000, "the store stays usable");
    }

    [Test]
    public async Task A_stream_abandoned_early_releases_its_connection()
    {
        var (group, _) = await SeedGroupAsync(Unique("abandon"), 3_000);
        if (Db == Db.Postgres)
        {
            // One pooled connection: a stream that kept it would starve the next call.
            var oneConnection = new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = 1, Timeout = 2 }.ConnectionString;
            await using var store = await OpenStoreAsync(oneConnection, WithFixturePortfolioTable(new PortfolioStoreOptions { MigrateOnOpen = false }));

            await using (var held = PortfolioGroup.StreamPortfoliosAsync(store, group).GetAsyncEnumerator())
            {
                (await held.MoveNextAsync()).Should().BeTrue();
                (await FluentActions.Awaiting(() => PortfolioGroup.GetAsync(store, group)).Should().ThrowAsync<TransientStorageException>("the open stream holds the only connection"))
                    .Which.InnerException.Should().BeAssignableTo<NpgsqlException>();
            }

            await foreach (var _ in PortfolioGroup.StreamPortfoliosAsync(store, group))
            {
                break;
            }

            (await PortfolioGroup.GetAsync(store, group)).Uid.Should().Be(group);
            (await ActiveQueriesAsync()).Should().Be(0);
        }
        else
        {
            // An open statement keeps a read snapshot: a truncating checkpoint cannot finish while it lives.
            await AddPortfolioAsync(Unique("wal"));
            await using (var held = PortfolioGroup.StreamPortfoliosAsync(Store, group).GetAsyncEnumerator())
            {
                (await held.MoveNextAsync()).Should().BeTrue();
                await AddPortfolioAsync(Unique("wal"));
                (await CheckpointIsBusyAsync()).Should().BeTrue("the open stream holds a read snapshot");
            }

            await AddPortfolioAsync(Unique("wal"));
            await foreach (var _ in PortfolioGroup.StreamPortfoliosAsync(Store, group))
            {
                break;
            }

            (await CheckpointIsBusyAsync()).Should().BeFalse("the abandoned stream released its statement");
        }
    }

    [Test]
    public async Task A_missing_group_or_portfolio_fails_the_stream()
    {
        var missing = Unique("missing");

        var group = (await FluentActions.Awaiting(() => PortfolioGroup.StreamPortfoliosAsync(Store, missing).ToListAsync().AsTask()).Should().ThrowAsync<RowNotFoundException>()).Which;
        var portfolio = (await FluentActions.Awaiting(() => PortfolioGroup.StreamGroupsForPortfolioAsync(Store, Guid.NewGuid()).ToListAsync().AsTask()).Should().ThrowAsync<RowNotFoundException>()).Which;
        var empty = await PortfolioGroup.AddAsync(Store, Unique("empty"), "Empty");

        (group.Table, group.KeyValue).Should().Be(("PortfolioGroup", missing));
        portfolio.Table.Should().Be("Portfolio");
        (await PortfolioGroup.StreamPortfoliosAsync(Store, empty).ToListAsync()).Should().BeEmpty();
        FluentActions.Invoking(() => PortfolioGroup.StreamPortfoliosAsync(null!, empty)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("store");
    }

    [Test]
    public async Task Group_membership_and_portfolio_streams_match_their_listings()
    {
        var marker = Unique("match");
        var (group, portfolios) = await SeedGroupAsync(marker, 40);
        var other = await PortfolioGroup.AddAsync(Store, $"{marker}-other", "Other");
        await PortfolioGroup.AddPortfolioAsync(Store, other, portfolios[3]);

        var groups = await PortfolioGroup.StreamAsync(Store, new PortfolioGroupFilter { Search = marker }).Select(g => g.Uid).ToListAsync();
        var ofPortfolio = await PortfolioGroup.StreamGroupsForPortfolioAsync(Store, portfolios[3]).Select(g => g.Uid).ToListAsync();
        var memberships = await PortfolioGroupMembership.StreamAsync(Store, new PortfolioGroupMembershipFilter { GroupUids = [group] }).ToListAsync();
        var searched = await Portfolio.StreamAsync(Store, new PortfolioFilter { Search = marker, NotInGroups = [other] }).Select(p => p.Uid).ToListAsync();

        groups.Should().Equal(new[] { group, other.Uid }.Order());
        ofPortfolio.Should().Equal(new[] { group, other.Uid }.Order());
        memberships.Select(m => m.Uid).Should().BeInAscendingOrder().And.HaveCount(40);
        memberships.Select(m => m.PortfolioUid).Should().BeEquivalentTo(portfolios);
        searched.Should().Equal(portfolios.Where(p => p != portfolios[3]).Order());
    }

    private async Task<(Guid Group, Guid[] Portfolios)> SeedGroupAsync(string marker, int members)
    {
        await using var connection = await OpenPlainConnectionAsync();
        var groups = await Seed.RowsAsync(connection, Db, Table("portfolio_group"), [$"{marker}-g"]);
        var portfolios = await SeedPortfoliosAsync([.. Enumerable.Range(0, members).Select(i => $"{marker}-p{i}")]);
        await Seed.MembershipsAsync(connection, Db, Table("portfolio_group_membership"), [.. portfolios.Select(p => (groups[0], p))]);
        return (groups[0], portfolios);
    }

    private async Task<bool> CheckpointIsBusyAsync()
    {
        // The checkpoint waits for readers as long as the connection's busy timeout: kept short.
        await using var connection = await OpenPlainConnectionAsync(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString) { DefaultTimeout = 1 }.ToString());
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).Should().BeTrue();

        // The first column says whether the checkpoint was kept from finishing by a reader.
        return reader.GetInt64(0) != 0;
    }

    /// <summary>The other client sessions of the test database that are not idle; autovacuum's workers, which show up there too, are not counted.</summary>
    private async Task<long> ActiveQueriesAsync()
    {
        await using var connection = await OpenPlainConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'");
    }
}
