using System.Globalization;
using Npgsql;

namespace PortfolioGroups.Tests.Support;

/// <summary>
/// A real PostgreSQL primary and a real streaming standby of it (<c>pg_basebackup -R</c>), each a
/// throwaway server of its own. Replication is synchronous (<c>synchronous_standby_names = '*'</c>,
/// <c>synchronous_commit = on</c> on the primary), so a commit the primary acknowledged is on the
/// standby's disk: a failover loses no acknowledged write. The standby has no synchronous standby
/// of its own, so once promoted its commits do not wait for one.
/// </summary>
internal sealed class PostgresReplicaPair : IAsyncDisposable
{
    private static readonly string[] PrimarySettings =
        ["synchronous_commit=on", "synchronous_standby_names=*", "wal_level=replica", "max_wal_senders=5", "hot_standby=on"];

    private static readonly string[] StandbySettings = ["synchronous_commit=on", "hot_standby=on"];

    private PostgresReplicaPair(PostgresTestServer primary, PostgresTestServer standby)
    {
        Primary = primary;
        Standby = standby;
    }

    public PostgresTestServer Primary { get; }

    public PostgresTestServer Standby { get; }

    /// <summary>Starts both servers; ignores the test when they cannot be started, except on CI, where it fails.</summary>
    public static async Task<PostgresReplicaPair> StartAsync(CancellationToken ct)
    {
        PostgresTestServer? primary = null;
        try
        {
            primary = await PostgresTestServer.StartAsync(PrimarySettings, ct);
            var standby = await primary.StartStandbyAsync(StandbySettings, ct);
            return new PostgresReplicaPair(primary, standby);
        }
        catch (InvalidOperationException ex) when (!TestDatabases.IsCi)
        {
            if (primary is not null)
            {
                await primary.DisposeAsync();
            }

            Assert.Ignore($"A PostgreSQL primary and standby could not be started: {ex.Message}");
            throw;
        }
    }

    /// <summary>
    /// A connection string naming both hosts, primary first. A host's state (primary, standby,
    /// down) is checked again after a second, so the tests see a promotion quickly.
    /// </summary>
    public string MultiHostConnectionString(string database, params PostgresTestServer[] hosts) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"Host={string.Join(",", (hosts.Length == 0 ? [Primary, Standby] : hosts).Select(h => $"127.0.0.1:{h.Port}"))};Username=postgres;Database={database};Timeout=5;Host Recheck Seconds=1;Maximum Pool Size=50");

    /// <summary>A multi-host data source over both servers (or the hosts given).</summary>
    public NpgsqlMultiHostDataSource DataSource(string database, params PostgresTestServer[] hosts) =>
        new NpgsqlDataSourceBuilder(MultiHostConnectionString(database, hosts)).BuildMultiHost();

    /// <summary>Creates a database on the primary and waits until the standby has it too.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken ct = default)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
        await using (var connection = new NpgsqlConnection(Primary.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'", connection);
            await create.ExecuteNonQueryAsync(ct);
        }

        await WaitForReplayAsync(ct);
        return name;
    }

    /// <summary>Waits until the standby has replayed everything the primary has written so far.</summary>
    public async Task WaitForReplayAsync(CancellationToken ct = default)
    {
        string position;
        await using (var primary = new NpgsqlConnection(Primary.ConnectionString))
        {
            await primary.OpenAsync(ct);
            await using var current = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", primary);
            position = (string)(await current.ExecuteScalarAsync(ct))!;
        }

        await using var standby = new NpgsqlConnection(Standby.ConnectionString);
        await standby.OpenAsync(ct);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var replayed = new NpgsqlCommand("SELECT pg_last_wal_replay_lsn() >= CAST(@position AS pg_lsn)", standby);
            replayed.Parameters.AddWithValue("position", position);
            if ((bool)(await replayed.ExecuteScalarAsync(ct))!)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The standby did not replay up to {position} within 30 s.");
            }

            await Task.Delay(10, ct);
        }
    }

    /// <summary>Pauses (true) or resumes (false) the standby's replay: it still receives and flushes the log, so synchronous commits go on.</summary>
    public async Task PauseReplayAsync(bool pause, CancellationToken ct = default)
    {
        await using var standby = new NpgsqlConnection(Standby.ConnectionString);
        await standby.OpenAsync(ct);
        await using var command = new NpgsqlCommand(pause ? "SELECT pg_wal_replay_pause()" : "SELECT pg_wal_replay_resume()", standby);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Standby.DisposeAsync();
        await Primary.DisposeAsync();
    }
}
