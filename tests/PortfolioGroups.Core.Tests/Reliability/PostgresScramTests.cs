using Npgsql;

namespace PortfolioGroups.Tests.Reliability;

/// <summary>
/// A host's <see cref="NpgsqlDataSource"/> whose connection string carries no password (the
/// password comes from a provider) under SCRAM authentication: opening migrates over the data
/// source's own connections, so the credentials apply to the migration too.
/// </summary>
[NonParallelizable]
public sealed class PostgresScramTests
{
    private const string Password = "s3cret-scram";

    [Test]
    public async Task Opening_over_a_data_source_with_a_password_provider_migrates_under_scram()
    {
        var connectionString = await TestDatabases.CreatePostgresDatabaseAsync("scram");
        var role = "scram_" + Guid.NewGuid().ToString("N")[..12];
        var admin = TestDatabases.PostgresAdminConnectionString!;
        await ExecuteAsync(connectionString, $"CREATE ROLE {role} LOGIN PASSWORD '{Password}'; ALTER DATABASE \"{new NpgsqlConnectionStringBuilder(connectionString).Database}\" OWNER TO {role}; SET password_encryption = 'scram-sha-256'; ALTER ROLE {role} PASSWORD '{Password}'");
        var hbaFile = await ScalarAsync<string>(admin, "SHOW hba_file");
        var original = await File.ReadAllTextAsync(hbaFile);
        try
        {
            // Only this role must authenticate with SCRAM; the line goes first, where it wins.
            await File.WriteAllTextAsync(hbaFile, $"host all {role} 127.0.0.1/32 scram-sha-256\n{original}");
            await ScalarAsync<bool>(admin, "SELECT pg_reload_conf()");
            var withoutPassword = new NpgsqlConnectionStringBuilder(connectionString) { Username = role, Password = null, Pooling = false }.ConnectionString;
            await WaitUntilPasswordIsRequiredAsync(withoutPassword);

            var builder = new NpgsqlDataSourceBuilder(withoutPassword);
            builder.UsePasswordProvider(_ => Password, (_, _) => ValueTask.FromResult(Password));
            await using var dataSource = builder.Build();
            dataSource.ConnectionString.Should().NotContainEquivalentOf("password");

            await using var store = await PortfolioStore.OpenPostgresAsync(dataSource);
            (await store.GetMigrationStatusAsync()).IsUpToDate.Should().BeTrue();
            var group = await PortfolioGroup.AddAsync(store, "scram", "Scram");
            await group.AddPortfolioAsync(await Portfolio.AddAsync(store, "p"));
            (await group.GetPortfoliosAsync()).Should().ContainSingle();
            (await ScalarAsync<string>(connectionString, "SELECT tableowner::text FROM pg_tables WHERE tablename = 'portfolio'")).Should().Be(role);
        }
        finally
        {
            await File.WriteAllTextAsync(hbaFile, original);
            await ScalarAsync<bool>(admin, "SELECT pg_reload_conf()");
        }
    }

    /// <summary>The server reloads its configuration on a signal: waits until the role's password-less login is refused.</summary>
    private static async Task WaitUntilPasswordIsRequiredAsync(string withoutPassword)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(withoutPassword);
                await connection.OpenAsync();
            }
            catch (NpgsqlException)
            {
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail("The server still lets the role in without a password after reloading pg_hba.conf.");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
