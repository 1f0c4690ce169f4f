using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Host;

/// <summary>A host's EF Core context and library calls in one transaction.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class EfCoreTransactionTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task EF_Core_SaveChanges_and_library_calls_commit_together()
    {
        await using var context = await HostContextAsync();
        var (note, p, g) = (Unique("ef-note"), Unique("ef-p"), Unique("ef-g"));

        await using (var efTransaction = await context.Database.BeginTransactionAsync())
        {
            context.Notes.Add(new HostNote { Id = note });
            await context.SaveChangesAsync();

            await using (var joined = Store.JoinTransaction(efTransaction.GetDbTransaction()))
            {
                await Portfolio.AddAsync(joined.Store, p);
                await PortfolioGroup.AddAsync(joined.Store, g, "EF");
                await PortfolioGroup.AddPortfolioAsync(joined.Store, g, p);
            }

            // Nothing is visible outside before the host commits.
            (await Portfolio.FindAsync(Store, p)).Should().BeNull();
            await efTransaction.CommitAsync();
        }

        (await context.Notes.AsNoTracking().CountAsync(n => n.Id == note)).Should().Be(1);
        (await PortfolioGroup.GetPortfoliosAsync(Store, g)).Select(x => x.UniqueIdentifier).Should().Equal(p);
    }

    [Test]
    public async Task EF_Core_rollback_undoes_the_library_calls_too()
    {
        await using var context = await HostContextAsync();
        var (note, p) = (Unique("ef-note"), Unique("ef-p"));

        await using (var efTransaction = await context.Database.BeginTransactionAsync())
        {
            context.Notes.Add(new HostNote { Id = note });
            await context.SaveChangesAsync();
            await using (var joined = Store.JoinTransaction(efTransaction.GetDbTransaction()))
            {
                await Portfolio.AddAsync(joined.Store, p);
                await PortfolioGroupMembership.AddManyAsync(joined.Store, []);
            }

            await efTransaction.RollbackAsync();
        }

        (await context.Notes.AsNoTracking().CountAsync(n => n.Id == note)).Should().Be(0);
        (await Portfolio.FindAsync(Store, p)).Should().BeNull();
    }

    private async Task<HostContext> HostContextAsync()
    {
        var options = new DbContextOptionsBuilder<HostContext>();
        if (Db == Db.Sqlite)
        {
            options.UseSqlite(ConnectionString);
        }
        else
        {
            options.UseNpgsql(ConnectionString);
        }

        var context = new HostContext(options.Options);
        var create = $"CREATE TABLE IF NOT EXISTS {Table("host_note")} (id text PRIMARY KEY)";
        await context.Database.ExecuteSqlRawAsync(create);
        return context;
    }

    /// <summary>A table of the host's own, mapped by EF Core.</summary>
    public sealed class HostNote
    {
        public string Id { get; set; } = "";
    }

    public sealed class HostContext(DbContextOptions<HostContext> options) : DbContext(options)
    {
        public DbSet<HostNote> Notes => Set<HostNote>();

        protected override void OnModelCreating(ModelBuilder modelBuilder) =>
            modelBuilder.Entity<HostNote>(note =>
            {
                note.ToTable("host_note");
                note.Property(n => n.Id).HasColumnName("id");
            });
    }
}
