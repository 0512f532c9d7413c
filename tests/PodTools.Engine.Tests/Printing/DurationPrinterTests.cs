using PodTools.Engine.Printing;

namespace PodTools.Engine.Tests.Printing;

public class DurationPrinterTests
{
    // Boundaries of apimachinery's duration.HumanDuration.
    [Theory]
    [InlineData(-3.0, "<invalid>")]
    [InlineData(-2.0, "<invalid>")]
    [InlineData(-1.5, "0s")]
    [InlineData(-1.0, "0s")]
    [InlineData(0.0, "0s")]
    [InlineData(0.9, "0s")]
    [InlineData(59.0, "59s")]
    [InlineData(119.0, "119s")]
    [InlineData(120.0, "2m")]
    [InlineData(123.0, "2m3s")]
    [InlineData(9 * 60 + 59.0, "9m59s")]
    [InlineData(10 * 60 + 30.0, "10m")]
    [InlineData(179 * 60 + 59.0, "179m")]
    [InlineData(3 * 3600.0, "3h")]
    [InlineData(3 * 3600 + 5 * 60.0, "3h5m")]
    [InlineData(7 * 3600 + 59 * 60.0, "7h59m")]
    [InlineData(8 * 3600 + 30 * 60.0, "8h")]
    [InlineData(47 * 3600.0, "47h")]
    [InlineData(48 * 3600.0, "2d")]
    [InlineData(50 * 3600.0, "2d2h")]
    [InlineData((7 * 24 + 23) * 3600.0, "7d23h")]
    [InlineData(8 * 24 * 3600.0, "8d")]
    [InlineData(729 * 24 * 3600.0, "729d")]
    [InlineData(730 * 24 * 3600.0, "2y")]
    [InlineData(731 * 24 * 3600.0, "2y1d")]
    [InlineData(8 * 365 * 24 * 3600.0 - 3600, "7y364d")]
    [InlineData(8 * 365 * 24 * 3600.0, "8y")]
    [InlineData(3000 * 24 * 3600.0, "8y")]
    public void Formats_like_kubectl_HumanDuration(double seconds, string expected)
    {
        Assert.Equal(expected, DurationPrinter.Human(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Since_is_unknown_without_a_timestamp()
    {
        Assert.Equal("<unknown>", DurationPrinter.Since(null, DateTime.UtcNow));
    }

    [Fact]
    public void Since_treats_unspecified_kind_as_utc()
    {
        var created = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var now = new DateTime(2026, 1, 1, 0, 5, 0, DateTimeKind.Utc);

        Assert.Equal("5m", DurationPrinter.Since(created, now));
    }
}
