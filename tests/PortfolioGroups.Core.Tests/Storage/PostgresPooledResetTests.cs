using System.Data.Common;
using Npgsql;

namespace PortfolioGroups.Tests.Storage;

/// <summary>
/// What a pooled PostgreSQL connection carries from one call to the next. A data source the
/// library builds is not reset on reuse (so the session keeps its cached plans, the history
/// trigger's among them); where a host could have left state in a session (a store transaction
/// whose <c>DbTransaction</c> it took, a migration), the library resets it itself. A data source
/// the host passes in, or a connection string that says how to reset, is left as configured. A
/// data source the library builds starts every session with <c>jit</c> off and no parallel plans.
/// </summary>
public sealed class PostgresPooledResetTests
{
    [Test]
    public async Task A_data_source_the_library_builds_is_not_reset_on_reuse_but_a_hosts_transaction_is()
    {
        await using var store = await PortfolioStore.OpenPostgresAsync(await ConnectionStringAsync());
        var group = await PortfolioGroup.AddAsync(store, "reset-group");
        await group.AddPortfolioAsync(await Portfolio.AddAsync(store, "reset-portfolio"));

        // The migration that opened the store left no advisory lock behind.
        int pid;
        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            pid = await ScalarAsync<int>(connection, "SELECT pg_backend_pid()");
            (await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")).Should().Be(0);
            await ScalarAsync<string>(connection, "SELECT set_config('work_mem', '7777kB', false)");
        }

        // Reused without a reset: what the session had (its cached plans too) is still there.
        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            (await ScalarAsync<int>(connection, "SELECT pg_backend_pid()")).Should().Be(pid, "the pool has one connection, reused");
            (await ScalarAsync<string>(connection, "SHOW work_mem")).Should().Be("7777kB");
            await ScalarAsync<string>(connection, "RESET work_mem; SELECT 'reset'");
        }

        // A host given a store transaction's DbTransaction may leave a setting and a session lock ...
        await using (var tx = await store.BeginTransactionAsync())
        {
            var connection = tx.DbTransaction.Connection!;
            (await ScalarAsync<int>(connection, "SELECT pg_backend_pid()")).Should().Be(pid);
            await ScalarAsync<string>(connection, "SELECT set_config('statement_timeout', '4321s', false)");
            await ScalarAsync<object>(connection, "SELECT pg_advisory_lock(4242)");
            await tx.CommitAsync();
        }

        // ... which the library resets before the connection goes back to the pool.
        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            (await ScalarAsync<int>(connection, "SELECT pg_backend_pid()")).Should().Be(pid);
            (await ScalarAsync<string>(connection, "SHOW statement_timeout")).Should().Be("0");
            (await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")).Should().Be(0);
        }

        (await PortfolioGroup.GetPortfoliosAsync(store, group)).Should().ContainSingle();
    }

    [Test]
    public async Task A_data_source_the_host_passes_in_is_still_reset_on_reuse()
    {
        await using var dataSource = NpgsqlDataSource.Create(await ConnectionStringAsync());
        await using var store = await PortfolioStore.OpenPostgresAsync(dataSource);

        await AssertResetOnReuseAsync(store);
    }

    [Test]
    public async Task A_connection_string_that_says_how_to_reset_is_followed()
    {
        await using var store = await PortfolioStore.OpenPostgresAsync(await ConnectionStringAsync() + ";No Reset On Close=false");

        await AssertResetOnReuseAsync(store);
    }

    private static async Task AssertResetOnReuseAsync(PortfolioStore store)
    {
        await Portfolio.AddAsync(store, "reset-portfolio");
        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            await ScalarAsync<string>(connection, "SELECT set_config('work_mem', '7777kB', false)");
        }

        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            (await ScalarAsync<string>(connection, "SHOW work_mem")).Should().NotBe("7777kB");
        }
    }

    [Test]
    public async Task A_data_source_the_library_builds_starts_every_session_without_jit_or_parallel_plans_and_a_reset_keeps_them_off()
    {
        var connectionString = await ConnectionStringAsync();
        (await PlainSettingsAsync(connectionString)).Should().Be("on 2", "the test server leaves both at their defaults");
        await using var store = await PortfolioStore.OpenPostgresAsync(connectionString);
        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            (await ScalarAsync<string>(connection, SettingsSql)).Should().Be("off 0");
        }

        // A host's transaction turns them on; the library's reset of that session puts them back.
        await using (var tx = await store.BeginTransactionAsync())
        {
            await ScalarAsync<string>(tx.DbTransaction.Connection!, "SELECT set_config('jit', 'on', false) || set_config('max_parallel_workers_per_gather', '2', false)");
            await tx.CommitAsync();
        }

        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            (await ScalarAsync<string>(connection, SettingsSql)).Should().Be("off 0");
        }
    }

    [Test]
    public async Task Options_in_the_connection_string_are_kept_and_a_setting_there_wins()
    {
        var connectionString = await ConnectionStringAsync();
        await using (var store = await PortfolioStore.OpenPostgresAsync(connectionString + ";Options=-c work_mem=5MB"))
        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            (await ScalarAsync<string>(connection, "SHOW work_mem")).Should().Be("5MB");
            (await ScalarAsync<string>(connection, SettingsSql)).Should().Be("off 0");
        }

        await using (var store = await PortfolioStore.OpenPostgresAsync(connectionString + ";Options=-c jit_above_cost=1000"))
        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            (await ScalarAsync<string>(connection, "SHOW jit_above_cost")).Should().Be("1000");
            (await ScalarAsync<string>(connection, SettingsSql)).Should().Be("off 0", "jit_above_cost is not jit");
        }

        await using (var store = await PortfolioStore.OpenPostgresAsync(connectionString + ";Options=-c jit=on"))
        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            (await ScalarAsync<string>(connection, SettingsSql)).Should().Be("on 0");
        }

        await using (var store = await PortfolioStore.OpenPostgresAsync(connectionString + ";Options='-c max_parallel_workers_per_gather=1'"))
        await using (var connection = await store.Database.OpenAsync(CancellationToken.None))
        {
            (await ScalarAsync<string>(connection, SettingsSql)).Should().Be("off 1");
        }
    }

    [Test]
    public async Task A_data_source_the_host_passes_in_keeps_the_servers_settings()
    {
        var connectionString = await ConnectionStringAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var store = await PortfolioStore.OpenPostgresAsync(dataSource);
        await using var connection = await store.Database.OpenAsync(CancellationToken.None);

        (await ScalarAsync<string>(connection, SettingsSql)).Should().Be("on 2").And.Be(await PlainSettingsAsync(connectionString));
    }

    /// <summary>A session's <c>jit</c> and <c>max_parallel_workers_per_gather</c>, as "on 2".</summary>
    private const string SettingsSql = "SELECT current_setting('jit') || ' ' || current_setting('max_parallel_workers_per_gather')";

    /// <summary>The settings (<see cref="SettingsSql"/>) of a session opened without the library.</summary>
    private static async Task<string> PlainSettingsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return await ScalarAsync<string>(connection, SettingsSql);
    }

    /// <summary>A new database's connection string, with one pooled connection: every open reuses the same session.</summary>
    private static async Task<string> ConnectionStringAsync() =>
        new NpgsqlConnectionStringBuilder(await TestDatabases.CreatePostgresDatabaseAsync(nameof(PostgresPooledResetTests))) { MaxPoolSize = 1 }.ConnectionString;

    private static async Task<T> ScalarAsync<T>(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync();
        return value is T typed ? typed : typeof(T) == typeof(object) ? (T)(object)"" : throw new InvalidOperationException($"'{sql}' gave {value?.GetType().Name ?? "null"}");
    }
}
