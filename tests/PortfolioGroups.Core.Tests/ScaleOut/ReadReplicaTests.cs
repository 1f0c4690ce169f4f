using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using PortfolioGroups.Storage;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.ScaleOut;

/// <summary>
/// A store over a real primary and a real streaming standby (<see cref="PostgresReplicaPair"/>):
/// where its reads and writes land, read-your-writes, and opening without a primary.
/// </summary>
[NonParallelizable]
public sealed class ReadReplicaTests
{
    private PostgresReplicaPair _pair = null!;

    [OneTimeSetUp]
    public async Task StartServersAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        _pair = await PostgresReplicaPair.StartAsync(TestContext.CurrentContext.CancellationToken);
        await TestContext.Progress.WriteLineAsync($"Primary on {_pair.Primary.Port}, standby on {_pair.Standby.Port}, started in {stopwatch.Elapsed.TotalSeconds:0.0} s.");
    }

    [OneTimeTearDown]
    public async Task StopServersAsync()
    {
        if (_pair is not null)
        {
            await _pair.DisposeAsync();
        }
    }

    [Test]
    public async Task Reads_land_on_the_standby_and_writes_writes_transactions_and_migrations_on_the_primary()
    {
        var database = await _pair.CreateDatabaseAsync("routing");
        await using var dataSource = _pair.DataSource(database);
        var sessions = new ConcurrentQueue<(ConnectionIntent Intent, bool InRecovery)>();
        await using var store = await PortfolioStore.OpenPostgresAsync(dataSource, new PortfolioStoreOptions { PostgresReads = PostgresReadTarget.PreferStandby });
        store.Database.ConnectionOpened = async (connection, intent) =>
        {
            await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", (NpgsqlConnection)connection);
            sessions.Enqueue((intent, (bool)(await command.ExecuteScalarAsync())!));
        };
        using var meter = new ReplicaMeter();

        // Writes: single rows, a bulk call, a transaction, a migration call.
        var group = await PortfolioGroup.AddAsync(store, "g1", "Group one");
        var portfolio = await Portfolio.AddAsync(store, "p1");
        await PortfolioGroup.AddPortfoliosAsync(store, group, [portfolio]);
        await using (var transaction = await store.BeginTransactionAsync())
        {
            var inside = await Portfolio.AddAsync(transaction.Store, "p2");
            // A read inside the transaction runs in it, on the primary: it sees the uncommitted row.
            (await Portfolio.FindAsync(transaction.Store, inside.Uid)).Should().NotBeNull();
            await transaction.CommitAsync();
        }

        await store.MigrateAsync();
        var writes = sessions.Count;

        // Reads: finds, filters, pages, set queries, counts, streams, as-of reads.
        (await Portfolio.GetAsync(store, "p2")).UniqueIdentifier.Should().Be("p2");
        (await Portfolio.FilterAsync(store)).Should().HaveCount(2);
        (await Portfolio.FilterPageAsync(store, null, PageRequest.First(1))).Items.Should().HaveCount(1);
        (await PortfolioGroup.CountPortfoliosAsync(store)).Should().ContainKey(group.Uid).WhoseValue.Should().Be(1);
        (await PortfolioGroup.StreamPortfoliosAsync(store, group).ToListAsync()).Should().ContainSingle();
        (await PortfolioGroupMembership.FilterAsync(store)).Should().ContainSingle();
        (await PortfolioGroup.StreamPortfoliosAsync(store, group, DateTimeOffset.UtcNow).ToListAsync()).Should().ContainSingle();

        var seen = sessions.ToArray();
        seen.Take(writes).Should().OnlyContain(s => s.Intent != ConnectionIntent.Read && !s.InRecovery, "writes, transactions and migrations run on the primary");
        seen.Skip(writes).Should().HaveCount(7).And.OnlyContain(s => s.Intent == ConnectionIntent.Read && s.InRecovery, "every read ran on a standby session");
        meter.Reads("standby").Should().Be(7);
        meter.Reads("primary").Should().Be(0);
    }

    [Test]
    public async Task By_default_reads_over_several_hosts_stay_on_the_primary()
    {
        var database = await _pair.CreateDatabaseAsync("default");
        await using var dataSource = _pair.DataSource(database, _pair.Standby, _pair.Primary);
        var sessions = new ConcurrentQueue<bool>();
        await using var store = await PortfolioStore.OpenPostgresAsync(dataSource);
        store.Database.ConnectionOpened = async (connection, _) =>
        {
            await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", (NpgsqlConnection)connection);
            sessions.Enqueue((bool)(await command.ExecuteScalarAsync())!);
        };

        await Portfolio.AddAsync(store, "p1");
        (await Portfolio.FilterAsync(store)).Should().ContainSingle();

        // The standby is named first, yet both calls ran on the primary.
        sessions.Should().HaveCount(2).And.OnlyContain(inRecovery => !inRecovery);
    }

    [Test]
    public async Task A_write_is_seen_by_the_read_right_after_it_every_time()
    {
        const int Rounds = 1_000;
        var database = await _pair.CreateDatabaseAsync("ryw");
        await using var dataSource = _pair.DataSource(database);
        await using var store = await PortfolioStore.OpenPostgresAsync(dataSource, new PortfolioStoreOptions { PostgresReads = PostgresReadTarget.PreferStandby });
        using var meter = new ReplicaMeter();
        var stopwatch = Stopwatch.StartNew();
        var missed = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var written = round % 10 == 9
                ? await InTransactionAsync(store, $"p{round}")
                : await Portfolio.AddAsync(store, $"p{round}");
            if (await Portfolio.FindAsync(store, written.Uid) is null)
            {
                missed++;
            }
        }

        await TestContext.Out.WriteLineAsync(
            $"{Rounds} write-then-read rounds in {stopwatch.Elapsed.TotalSeconds:0.0} s: {missed} missed; reads on the standby {meter.Reads("standby")}, on the primary {meter.Reads("primary")}; "
            + $"waits caught up {meter.Waits("caught_up")}, timed out (read from the primary) {meter.Waits("timed_out")}.");
        missed.Should().Be(0);
        (meter.Reads("standby") + meter.Reads("primary")).Should().Be(Rounds);
        meter.Reads("standby").Should().BePositive("the standby serves the reads it has caught up for");

        static async Task<Portfolio> InTransactionAsync(PortfolioStore store, string id)
        {
            await using var transaction = await store.BeginTransactionAsync();
            var portfolio = await Portfolio.AddAsync(transaction.Store, id);
            await transaction.CommitAsync();
            return portfolio;
        }
    }

    [Test]
    public async Task Without_read_your_writes_a_standby_behind_serves_a_stale_read_and_with_it_the_primary_answers()
    {
        var database = await _pair.CreateDatabaseAsync("stale");
        await using var dataSource = _pair.DataSource(database);
        await using var stale = await PortfolioStore.OpenPostgresAsync(dataSource, new PortfolioStoreOptions { PostgresReads = PostgresReadTarget.PreferStandby, ReadYourWrites = false });
        await using var fresh = await PortfolioStore.OpenPostgresAsync(
            dataSource, new PortfolioStoreOptions { PostgresReads = PostgresReadTarget.PreferStandby, ReplicaWaitTimeout = TimeSpan.FromMilliseconds(200) });
        await _pair.WaitForReplayAsync();
        using var meter = new ReplicaMeter();

        await _pair.PauseReplayAsync(true);
        try
        {
            // Synchronous replication waits for the standby to flush the commit, not to replay it.
            var unseen = await Portfolio.AddAsync(stale, "written-while-paused");
            (await Portfolio.FindAsync(stale, unseen.Uid)).Should().BeNull("the standby has not replayed the write, and nothing waits for it");

            var seen = await Portfolio.AddAsync(fresh, "written-by-the-waiting-store");
            var stopwatch = Stopwatch.StartNew();
            (await Portfolio.FindAsync(fresh, seen.Uid)).Should().NotBeNull("past the wait timeout the read goes to the primary");
            stopwatch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(190));
            meter.Waits("timed_out").Should().Be(1);

            // A transaction's commit and a bulk call are waited for the same way.
            await using (var transaction = await fresh.BeginTransactionAsync())
            {
                await Portfolio.AddAsync(transaction.Store, "written-in-a-transaction");
                await transaction.CommitAsync();
            }

            (await Portfolio.FindAsync(fresh, "written-in-a-transaction")).Should().NotBeNull();
            await Portfolio.UpsertManyAsync(fresh, [new PortfolioUpsert("written-in-bulk")]);
            (await Portfolio.FindAsync(fresh, "written-in-bulk")).Should().NotBeNull();
            meter.Waits("timed_out").Should().Be(3);

            // Read-your-writes is per store: the other store's write is not waited for.
            (await Portfolio.FindAsync(stale, seen.Uid)).Should().BeNull();
        }
        finally
        {
            await _pair.PauseReplayAsync(false);
        }

        await _pair.WaitForReplayAsync();
        (await Portfolio.FilterAsync(stale)).Should().HaveCount(4);
    }

    [Test]
    public async Task Migrating_on_open_when_only_a_standby_answers_is_a_clear_error_and_reading_works_without_it()
    {
        var database = await _pair.CreateDatabaseAsync("standbyonly");
        await using (var setUp = await PortfolioStore.OpenPostgresAsync(_pair.DataSource(database)))
        {
            await Portfolio.AddAsync(setUp, "p1");
        }

        await _pair.WaitForReplayAsync();
        await using var standbyOnly = _pair.DataSource(database, _pair.Standby);

        var open = await FluentActions.Awaiting(() => PortfolioStore.OpenPostgresAsync(standbyOnly, new PortfolioStoreOptions { PostgresReads = PostgresReadTarget.PreferStandby }))
            .Should().ThrowAsync<StoreOpenException>();
        open.Which.Failure.Should().Be(StoreOpenFailure.NoPrimary);
        open.Which.Message.Should().Contain("Migrations run on the primary server").And.Contain("standbys");

        await using var reader = await PortfolioStore.OpenPostgresAsync(
            standbyOnly, new PortfolioStoreOptions { PostgresReads = PostgresReadTarget.PreferStandby, MigrateOnOpen = false });
        (await Portfolio.FilterAsync(reader)).Should().ContainSingle();
        var write = await FluentActions.Awaiting(() => Portfolio.AddAsync(reader, "p2")).Should().ThrowAsync<TransientStorageException>();
        write.Which.Message.Should().Contain("No host of the data source is a primary");
    }

    [Test]
    public async Task A_connection_string_naming_several_hosts_is_routed_the_same_way()
    {
        var database = await _pair.CreateDatabaseAsync("cstring");
        var sessions = new ConcurrentQueue<(ConnectionIntent Intent, bool InRecovery)>();
        await using var store = await PortfolioStore.OpenPostgresAsync(_pair.MultiHostConnectionString(database), new PortfolioStoreOptions { PostgresReads = PostgresReadTarget.PreferStandby });
        store.Database.ConnectionOpened = async (connection, intent) =>
        {
            await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", (NpgsqlConnection)connection);
            sessions.Enqueue((intent, (bool)(await command.ExecuteScalarAsync())!));
        };

        var portfolio = await Portfolio.AddAsync(store, "p1");
        (await Portfolio.FindAsync(store, portfolio.Uid)).Should().NotBeNull();

        sessions.Should().Equal((ConnectionIntent.Write, false), (ConnectionIntent.Read, true));
    }

    [Test]
    public async Task The_hosting_package_opens_a_store_over_the_multi_host_data_source()
    {
        var database = await _pair.CreateDatabaseAsync("hosting");
        await using var dataSource = _pair.DataSource(database);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddPortfolioGroups(o =>
        {
            o.UsePostgres(dataSource);
            o.MigrateOnStart = true;
            o.Store = o.Store with { PostgresReads = PostgresReadTarget.PreferStandby };
        });
        using var host = builder.Build();
        await host.StartAsync();

        await AssertRoutedAsync(host.Services.GetRequiredService<PortfolioStore>());
        await host.StopAsync();
    }

    [Test]
    public async Task The_hosting_package_reads_the_replica_settings_from_configuration()
    {
        var database = await _pair.CreateDatabaseAsync("hostingconfig");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PortfolioGroups:Provider"] = "Postgres",
            ["PortfolioGroups:ConnectionString"] = _pair.MultiHostConnectionString(database),
            ["PortfolioGroups:MigrateOnStart"] = "true",
            ["PortfolioGroups:PostgresReads"] = "PreferStandby",
            ["PortfolioGroups:ReplicaWaitTimeout"] = "00:00:02",
        });
        builder.Services.AddPortfolioGroups(builder.Configuration.GetSection("PortfolioGroups"));
        using var host = builder.Build();
        await host.StartAsync();

        host.Services.GetRequiredService<PortfolioGroups.Hosting.PortfolioGroupsOptions>().Store.ReplicaWaitTimeout.Should().Be(TimeSpan.FromSeconds(2));
        await AssertRoutedAsync(host.Services.GetRequiredService<PortfolioStore>());
        await host.StopAsync();
    }

    /// <summary>A write lands on the primary and the read right after it on the standby, and sees it.</summary>
    private static async Task AssertRoutedAsync(PortfolioStore store)
    {
        var sessions = new ConcurrentQueue<(ConnectionIntent Intent, bool InRecovery)>();
        store.Database.ConnectionOpened = async (connection, intent) =>
        {
            await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", (NpgsqlConnection)connection);
            sessions.Enqueue((intent, (bool)(await command.ExecuteScalarAsync())!));
        };

        var portfolio = await Portfolio.AddAsync(store, "hosted");
        (await Portfolio.FindAsync(store, portfolio.Uid)).Should().NotBeNull();
        sessions.Should().Equal((ConnectionIntent.Write, false), (ConnectionIntent.Read, true));
    }

    /// <summary>The replica counters of the <c>PortfolioGroups</c> meter, read with a real listener.</summary>
    internal sealed class ReplicaMeter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _counts = new();

        public ReplicaMeter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == StoreMetrics.MeterName && instrument.Name is StoreMetrics.ReplicaReadsName or StoreMetrics.ReplicaWaitsName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key is StoreMetrics.ServerTag or StoreMetrics.OutcomeTag)
                    {
                        _counts.AddOrUpdate($"{instrument.Name}/{tag.Value}", value, (_, n) => n + value);
                    }
                }
            });
            _listener.Start();
        }

        public long Reads(string server) => _counts.GetValueOrDefault($"{StoreMetrics.ReplicaReadsName}/{server}");

        public long Waits(string outcome) => _counts.GetValueOrDefault($"{StoreMetrics.ReplicaWaitsName}/{outcome}");

        public void Dispose() => _listener.Dispose();
    }
}
