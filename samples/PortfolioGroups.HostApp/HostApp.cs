using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PortfolioGroups.HostApp;

/// <summary>
/// The sample: a host with its own EF Core tables and the PortfolioGroups store in the same
/// database, both configured from appsettings.json; the application's strategy table is the
/// store's portfolio table (<see cref="PortfolioTable.Existing"/>) (or the command line: <c>--ConnectionStrings:Main=...</c>,
/// <c>--PortfolioGroups:Provider=Postgres</c>); a new strategy and its group memberships are saved
/// in one transaction, and a failed one leaves nothing behind.
/// </summary>
public static class HostApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var connectionString = builder.Configuration.GetConnectionString("Main")
            ?? throw new InvalidOperationException("ConnectionStrings:Main is not set.");
        var postgres = string.Equals(builder.Configuration["PortfolioGroups:Provider"], "Postgres", StringComparison.OrdinalIgnoreCase);

        // The application's tables, with EF Core; the library's, from the "PortfolioGroups" section.
        builder.Services.AddDbContext<AppDbContext>(o => _ = postgres ? o.UseNpgsql(connectionString) : o.UseSqlite(connectionString));
        builder.Services.AddPortfolioGroups(builder.Configuration.GetSection("PortfolioGroups"));

        using var host = builder.Build();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            // The application's own schema first (a real application runs its EF Core migrations
            // here); EnsureCreated only creates tables in a database that has none.
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.EnsureCreatedAsync();
        }

        await host.StartAsync();   // opens the store, and migrates the library's tables beside the application's
        var store = host.Services.GetRequiredService<PortfolioStore>();

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var calendar = await db.Calendars.FirstOrDefaultAsync(c => c.Name == "XNYS");
            if (calendar is null)
            {
                calendar = new Calendar { Uid = Guid.CreateVersion7(), Name = "XNYS" };
                db.Calendars.Add(calendar);
                await db.SaveChangesAsync();
            }

            // One transaction: the application's row and the library's rows commit together.
            var identifier = "btc-momentum-" + Guid.NewGuid().ToString("N")[..6];
            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                // The strategy is the portfolio: the application writes it, the library only reads it.
                db.Strategies.Add(new Strategy { Uid = Guid.CreateVersion7(), PortfolioIdentifier = identifier, Name = "BTC momentum", CalendarUid = calendar.Uid });
                await db.SaveChangesAsync();

                await using (var joined = store.JoinTransaction(transaction.GetDbTransaction()))
                {
                    await PortfolioGroup.AddAsync(joined.Store, "crypto", "Crypto portfolios");
                    await PortfolioGroup.AddAsync(joined.Store, "production", "Production");
                    await PortfolioGroupMembership.AddManyAsync(joined.Store, [("crypto", identifier), ("production", identifier)]);
                }

                await transaction.CommitAsync();
            }

            var groups = await PortfolioGroup.GetGroupsForPortfolioAsync(store, identifier);
            output.WriteLine($"committed: strategy {identifier} in {string.Join(", ", groups.Select(g => g.UniqueIdentifier).Order(StringComparer.Ordinal))}");

            // A failure before the commit undoes both sides.
            var failed = "eth-carry-" + Guid.NewGuid().ToString("N")[..6];
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync();
                db.Strategies.Add(new Strategy { Uid = Guid.CreateVersion7(), PortfolioIdentifier = failed, CalendarUid = calendar.Uid });
                await db.SaveChangesAsync();
                await using var joined = store.JoinTransaction(transaction.GetDbTransaction());
                await PortfolioGroup.AddPortfolioAsync(joined.Store, "no-such-group", failed);   // RowNotFoundException
                await transaction.CommitAsync();
            }
            catch (RowNotFoundException ex)
            {
                output.WriteLine($"rolled back: {ex.Message}");
            }

            db.ChangeTracker.Clear();
            var strategyKept = await db.Strategies.AnyAsync(s => s.PortfolioIdentifier == failed);
            var portfolioKept = await Portfolio.FindAsync(store, failed) is not null;
            output.WriteLine($"after the rollback: strategy {(strategyKept ? "kept" : "gone")}, portfolio {(portfolioKept ? "kept" : "gone")}");
        }

        await host.StopAsync();
        return 0;
    }
}
