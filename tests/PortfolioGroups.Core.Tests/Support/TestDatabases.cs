using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests;

/// <summary>
/// Provides PostgreSQL to every fixture in this namespace and below: from
/// PORTFOLIOGROUPS_TEST_POSTGRES if set, else a throwaway server started from the installed binaries.
/// When neither works the reason is kept, and tests asking for a database are ignored locally but
/// fail on CI, where a silently skipped PostgreSQL suite would go unnoticed.
/// </summary>
[SetUpFixture]
public sealed class TestDatabases
{
    /// <summary>Connection string of a role allowed to CREATE DATABASE; overrides the throwaway server.</summary>
    public const string ConnectionStringEnvironmentVariable = "PORTFOLIOGROUPS_TEST_POSTGRES";

    private const int MaxPrefixLength = 30;

    private static readonly ConcurrentQueue<string> s_createdDatabases = new();
    private static PostgresTestServer? s_server;
    private static bool s_fromEnvironment;
    private static string? s_adminConnectionString;
    private static string s_unavailableReason =
        $"the {nameof(TestDatabases)} set-up fixture did not run; tests that need PostgreSQL must be in the PortfolioGroups.Tests namespace or below it";

    /// <summary>Superuser (or CREATEDB) connection string, or null when PostgreSQL is unavailable.</summary>
    public static string? PostgresAdminConnectionString => s_adminConnectionString;

    /// <summary>True on CI (CI=true or CI=1), where missing PostgreSQL must fail rather than skip.</summary>
    public static bool IsCi
    {
        get
        {
            var value = Environment.GetEnvironmentVariable("CI");
            return string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) || value == "1";
        }
    }

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var ct = TestContext.CurrentContext.CancellationToken;
        var fromEnvironment = Environment.GetEnvironmentVariable(ConnectionStringEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            // No fallback to a throwaway server: an explicit setting that does not work should be noticed.
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(fromEnvironment);
                await using (var connection = new NpgsqlConnection(builder.ConnectionString))
                {
                    await connection.OpenAsync(ct);
                }

                s_adminConnectionString = builder.ConnectionString;
                s_fromEnvironment = true;
                await TestContext.Progress.WriteLineAsync(
                    $"PostgreSQL for tests: {ConnectionStringEnvironmentVariable} ({Describe(builder)}).");
            }
            catch (Exception ex) when (ex is NpgsqlException or ArgumentException or InvalidOperationException or TimeoutException)
            {
                // Npgsql's messages name keywords and hosts, not values, so the password never reaches the output.
                SetUnavailable($"{ConnectionStringEnvironmentVariable} is set but connecting failed: {ex.GetType().Name}: {ex.Message}");
            }

            return;
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            s_server = await PostgresTestServer.StartAsync(ct);
            s_adminConnectionString = s_server.ConnectionString;
            await TestContext.Progress.WriteLineAsync(
                $"PostgreSQL for tests: throwaway server on 127.0.0.1:{s_server.Port} in {s_server.RootDirectory}, started in {stopwatch.Elapsed.TotalSeconds:0.0} s.");
        }
        catch (InvalidOperationException ex)
        {
            SetUnavailable(ex.Message);
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        // Pooled idle connections would block DROP DATABASE and keep server processes busy.
        NpgsqlConnection.ClearAllPools();
        if (s_fromEnvironment && s_adminConnectionString is not null)
        {
            await DropCreatedDatabasesAsync(s_adminConnectionString);
        }

        if (s_server is not null)
        {
            // Disposing deletes the whole cluster, so the databases need no dropping.
            await s_server.DisposeAsync();
            s_server = null;
        }

        s_createdDatabases.Clear();
        s_adminConnectionString = null;
        s_fromEnvironment = false;
    }

    /// <summary>
    /// Creates a fresh, empty database named after <paramref name="prefix"/> and returns a connection
    /// string for it. Ignores the test (fails it on CI) when PostgreSQL is unavailable.
    /// Safe to call from fixtures running in parallel.
    /// </summary>
    public static async Task<string> CreatePostgresDatabaseAsync(string prefix, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var admin = s_adminConnectionString;
        if (admin is null)
        {
            var message =
                $"PostgreSQL is unavailable for tests: {s_unavailableReason}{Environment.NewLine}"
                + "To enable: install the PostgreSQL server binaries (Debian/Ubuntu package 'postgresql'; or set "
                + $"{PostgresTestServer.BinDirEnvironmentVariable} to the folder with initdb and pg_ctl), "
                + $"or set {ConnectionStringEnvironmentVariable} to the connection string of a role with CREATEDB.";
            if (IsCi)
            {
                Assert.Fail(message);
            }

            Assert.Ignore(message);
        }

        var name = $"{SanitizePrefix(prefix)}_{RandomNumberGenerator.GetHexString(12, lowercase: true)}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(ct);
            // template0 because nobody connects to it, so parallel creates never hit "source database is being accessed".
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'", connection);
            await command.ExecuteNonQueryAsync(ct);
        }

        s_createdDatabases.Enqueue(name);
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    private static void SetUnavailable(string reason)
    {
        s_unavailableReason = reason;
        s_adminConnectionString = null;
        TestContext.Progress.WriteLine($"PostgreSQL for tests: unavailable. {reason}");
    }

    private static async Task DropCreatedDatabasesAsync(string admin)
    {
        try
        {
            await using var connection = new NpgsqlConnection(admin);
            await connection.OpenAsync();
            foreach (var name in s_createdDatabases)
            {
                try
                {
                    // FORCE ends sessions a test left open (PostgreSQL 13+).
                    await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                    await command.ExecuteNonQueryAsync();
                }
                catch (NpgsqlException ex)
                {
                    await TestContext.Progress.WriteLineAsync($"Could not drop test database {name}: {ex.Message}");
                }
            }
        }
        catch (NpgsqlException ex)
        {
            await TestContext.Progress.WriteLineAsync($"Could not drop the test databases: {ex.Message}");
        }
    }

    /// <summary>Lower-case [a-z0-9_], at most 30 characters, so the name never needs escaping beyond quotes.</summary>
    private static string SanitizePrefix(string prefix)
    {
        var builder = new StringBuilder(MaxPrefixLength);
        foreach (var c in prefix.ToLowerInvariant())
        {
            if (builder.Length == MaxPrefixLength)
            {
                break;
            }

            builder.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_');
        }

        return builder.Length == 0 ? "test" : builder.ToString();
    }

    private static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"Host={builder.Host};Port={builder.Port};Username={builder.Username};Database={builder.Database}";
}
