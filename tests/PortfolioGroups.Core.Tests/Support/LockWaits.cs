using Npgsql;

namespace PortfolioGroups.Tests.Support;

/// <summary>PostgreSQL: waits for a backend to wait on a lock, as <c>pg_stat_activity</c> shows it, so a test can act at that moment.</summary>
public static class LockWaits
{
    /// <summary>
    /// The pid of a backend of the database of <paramref name="connectionString"/> that waits on a
    /// lock (<paramref name="only"/> that one, or any but <paramref name="except"/>), polled every
    /// 5 ms for up to 15 seconds; an <see cref="AssertionException"/> with <paramref name="failure"/> when none does.
    /// </summary>
    public static async Task<int> BackendWaitingAsync(string connectionString, string failure, int? except = null, int? only = null)
    {
        await using var admin = new NpgsqlConnection(TestDatabases.PostgresAdminConnectionString);
        await admin.OpenAsync();
        await using var find = new NpgsqlCommand(
            "SELECT pid FROM pg_stat_activity WHERE datname = @db AND wait_event_type = 'Lock' AND (@only = 0 OR pid = @only) AND pid <> @except LIMIT 1", admin);
        find.Parameters.AddWithValue("db", new NpgsqlConnectionStringBuilder(connectionString).Database!);
        find.Parameters.AddWithValue("only", only ?? 0);
        find.Parameters.AddWithValue("except", except ?? 0);
        for (var attempt = 0; attempt < 3000; attempt++)
        {
            if (await find.ExecuteScalarAsync() is int pid)
            {
                return pid;
            }

            await Task.Delay(5);
        }

        throw new AssertionException(failure);
    }
}
