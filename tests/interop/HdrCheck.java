// HdrCheck.java - HdrHistogram's Java reference implementation on our logs
// (tests/interop/hdr-java.sh compiles it against Debian's libhdrhistogram-java).
//
//   java HdrCheck read LOG [TAG]   merge LOG's intervals (untagged, or tagged TAG)
//                                  and print count, p50 .. p99.99, max, and the
//                                  histogram's parameters
//   java HdrCheck write LOG        write a log of known values, two intervals
//                                  untagged and one tagged "other", and print
//                                  what "read" prints for the untagged ones
import java.io.PrintStream;
import java.util.Locale;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.HdrHistogram.HistogramLogWriter;

public class HdrCheck {
	static void summary(Histogram h, PrintStream out) {
		double[] ps = { 50, 90, 99, 99.9, 99.99 };
		String[] names = { "p50", "p90", "p99", "p99.9", "p99.99" };

		out.printf(Locale.US, "count %d%n", h.getTotalCount());
		for (int i = 0; i < ps.length; i++)
			out.printf(Locale.US, "%s %d%n", names[i], h.getValueAtPercentile(ps[i]));
		out.printf(Locale.US, "max %d%n", h.getMaxValue());
		out.printf(Locale.US, "digits %d%n", h.getNumberOfSignificantValueDigits());
		out.printf(Locale.US, "highest %d%n", h.getHighestTrackableValue());
	}

	static void read(String path, String tag) throws Exception {
		HistogramLogReader r = new HistogramLogReader(path);
		Histogram acc = null;
		int n = 0;
		EncodableHistogram e;

		while ((e = r.nextIntervalHistogram()) != null) {
			Histogram h = (Histogram) e;
			String t = h.getTag();
			if (tag == null ? t != null : !tag.equals(t))
				continue;
			if (acc == null)
				acc = new Histogram(h.getLowestDiscernibleValue(), h.getHighestTrackableValue(),
						    h.getNumberOfSignificantValueDigits());
			acc.add(h);
			n++;
		}
		r.close();
		if (acc == null)
			throw new Exception(path + ": no intervals");
		System.out.printf(Locale.US, "intervals %d%n", n);
		summary(acc, System.out);
	}

	static void write(String path) throws Exception {
		HistogramLogWriter w = new HistogramLogWriter(path);
		Histogram a = new Histogram(1, 3600L * 1000000000L, 3);
		Histogram b = new Histogram(1, 3600L * 1000000000L, 3);
		Histogram other = new Histogram(1, 1000000L, 2);
		Histogram all = new Histogram(1, 3600L * 1000000000L, 3);
		long start = 1700000000000L;

		// Known values: a ramp in a, a long tail in b.
		for (long v = 1; v <= 20000; v++)
			a.recordValue(v * 37);
		for (long v = 1; v <= 500; v++)
			b.recordValueWithCount(v * v * 1000, 3);
		b.recordValue(3000000000000L);
		other.recordValue(42);
		a.setStartTimeStamp(start);
		a.setEndTimeStamp(start + 1000);
		b.setStartTimeStamp(start + 1000);
		b.setEndTimeStamp(start + 2000);
		other.setStartTimeStamp(start);
		other.setEndTimeStamp(start + 2000);
		other.setTag("other");
		w.outputLogFormatVersion();
		w.outputStartTime(start);
		w.setBaseTime(start);
		w.outputBaseTime(start);
		w.outputLegend();
		w.outputIntervalHistogram(a);
		w.outputIntervalHistogram(other);
		w.outputIntervalHistogram(b);
		w.close();
		all.add(a);
		all.add(b);
		System.out.printf(Locale.US, "intervals %d%n", 2);
		summary(all, System.out);
	}

	public static void main(String[] args) throws Exception {
		if (args.length >= 2 && args[0].equals("read"))
			read(args[1], args.length > 2 ? args[2] : null);
		else if (args.length == 2 && args[0].equals("write"))
			write(args[1]);
		else
			throw new Exception("usage: HdrCheck read LOG [TAG] | write LOG");
	}
}
