using Microsoft.EntityFrameworkCore;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// A minimal EF Core model of the library's three tables, for comparison only: what an EF Core
/// user would map by hand over the same database (the library's migrations made the tables).
/// </summary>
public sealed class EfContext(DbContextOptions<EfContext> options, bool isPostgres) : DbContext(options)
{
    public DbSet<EfPortfolio> Portfolios => Set<EfPortfolio>();

    public DbSet<EfGroup> Groups => Set<EfGroup>();

    public DbSet<EfMembership> Memberships => Set<EfMembership>();

    /// <summary>Options for a context on the benchmark's database, built once per benchmark process.</summary>
    public static DbContextOptions<EfContext> Options(string connectionString, bool isPostgres)
    {
        var builder = new DbContextOptionsBuilder<EfContext>();
        (isPostgres ? builder.UseNpgsql(connectionString) : builder.UseSqlite(connectionString))
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
        // The model differs per database (uid storage), so the model cache key must too.
        builder.ReplaceService<Microsoft.EntityFrameworkCore.Infrastructure.IModelCacheKeyFactory, ModelKey>();
        return builder.Options;
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<EfPortfolio>(e =>
        {
            e.ToTable("portfolio").HasKey(p => p.Uid);
            e.Property(p => p.Uid).HasColumnName("uid");
            e.Property(p => p.UniqueIdentifier).HasColumnName("unique_identifier");
            e.Property(p => p.DisplayName).HasColumnName("display_name");
        });
        modelBuilder.Entity<EfGroup>(e =>
        {
            e.ToTable("portfolio_group").HasKey(g => g.Uid);
            e.Property(g => g.Uid).HasColumnName("uid");
            e.Property(g => g.UniqueIdentifier).HasColumnName("unique_identifier");
            e.Property(g => g.DisplayName).HasColumnName("display_name");
            e.Property(g => g.Description).HasColumnName("description");
            e.Property(g => g.MetadataJson).HasColumnName("metadata_json").HasColumnType(_isPostgres ? "jsonb" : "TEXT");
        });
        modelBuilder.Entity<EfMembership>(e =>
        {
            e.ToTable("portfolio_group_membership").HasKey(m => m.Uid);
            e.Property(m => m.Uid).HasColumnName("uid");
            e.Property(m => m.GroupUid).HasColumnName("portfolio_group_uid");
            e.Property(m => m.PortfolioUid).HasColumnName("portfolio_uid");
            e.HasOne(m => m.Group).WithMany().HasForeignKey(m => m.GroupUid);
            e.HasOne(m => m.Portfolio).WithMany().HasForeignKey(m => m.PortfolioUid);
        });

        if (!_isPostgres)
        {
            // The library stores uids as canonical lower-case text (EF's own default is upper case).
            foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(t => t.GetProperties()).Where(p => p.ClrType == typeof(Guid)))
            {
                property.SetValueConverter(new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<Guid, string>(
                    v => v.ToString("D"), v => Guid.Parse(v)));
            }
        }
    }

    private sealed class ModelKey : Microsoft.EntityFrameworkCore.Infrastructure.IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime) => (context.GetType(), ((EfContext)context)._isPostgres, designTime);
    }

    private readonly bool _isPostgres = isPostgres;
}

public sealed class EfPortfolio
{
    public Guid Uid { get; set; }

    public string UniqueIdentifier { get; set; } = "";

    public string? DisplayName { get; set; }
}

public sealed class EfGroup
{
    public Guid Uid { get; set; }

    public string UniqueIdentifier { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public string? Description { get; set; }

    public string? MetadataJson { get; set; }
}

public sealed class EfMembership
{
    public Guid Uid { get; set; }

    public Guid GroupUid { get; set; }

    public Guid PortfolioUid { get; set; }

    public EfGroup Group { get; set; } = null!;

    public EfPortfolio Portfolio { get; set; } = null!;
}
