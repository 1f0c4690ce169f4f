using Microsoft.EntityFrameworkCore;

namespace PortfolioGroups.HostApp;

/// <summary>The application's own tables, which it owns and migrates with EF Core.</summary>
/// <remarks>
/// <c>app_strategy</c> is also the store's portfolio table (<c>PortfolioGroups:PortfolioTable</c> in
/// appsettings.json): the library reads it, and its group memberships point at it with
/// <c>ON DELETE CASCADE</c>. Its column names are plain lower-case identifiers, and on SQLite its
/// uids are stored as canonical lower-case text, as the library's own uids are.
/// </remarks>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options)
{
    public DbSet<Calendar> Calendars => Set<Calendar>();

    public DbSet<Strategy> Strategies => Set<Strategy>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Calendar>(calendar =>
        {
            calendar.ToTable("app_calendar");
            calendar.HasKey(c => c.Uid);
        });
        modelBuilder.Entity<Strategy>(strategy =>
        {
            strategy.ToTable("app_strategy");
            strategy.HasKey(s => s.Uid);
            strategy.Property(s => s.Uid).HasColumnName("uid");
            strategy.Property(s => s.PortfolioIdentifier).HasColumnName("portfolio_identifier");
            strategy.Property(s => s.Name).HasColumnName("name");
            strategy.Property(s => s.CalendarUid).HasColumnName("calendar_uid");
            strategy.HasIndex(s => s.PortfolioIdentifier).IsUnique();
            strategy.HasOne<Calendar>().WithMany().HasForeignKey(s => s.CalendarUid);
            if (Database.IsSqlite())
            {
                // EF Core writes a Guid as upper-case text on SQLite; the library's uids are lower-case.
                strategy.Property(s => s.Uid).HasConversion(g => g.ToString(), s => Guid.Parse(s));
            }
        });
    }
}

/// <summary>A trading calendar of the application.</summary>
public sealed class Calendar
{
    public Guid Uid { get; set; }

    public string Name { get; set; } = "";
}

/// <summary>A strategy of the application: a row of the portfolio table the library reads and groups.</summary>
public sealed class Strategy
{
    public Guid Uid { get; set; }

    public string PortfolioIdentifier { get; set; } = "";

    public string? Name { get; set; }

    public Guid CalendarUid { get; set; }
}
