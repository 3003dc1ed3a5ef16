# tests/bench/plot.gp - throughput against size, one line per access path,
# for one kernel of a `make bench` run.  tests/bench/run calls it as
#   gnuplot -e "csv='bench.csv'; kernel='7.3'; png='7.3.png'; heading='...'"
# with bench.csv as aperture-bench writes it (columns: world kernel
# release bar op kind size path label status median_ns ... mb_per_s ...).
# Four panels: ivshmem BAR2 and edu BAR0, read and write; log-log axes.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size 1400,1000 font ",10"
} else {
	set terminal png size 1400,1000
}
set output png
set logscale xy
set grid
set key bottom right opaque box font ",9"
set xlabel "bytes per call"
set ylabel "MB/s (median)"
set xtics ("4 B" 4, "64 B" 64, "4 KiB" 4096, "64 KiB" 65536, "1 MiB" 1048576)
set xrange [3:1.5e6]

paths = "daemon passthrough module mapping sysfs"
label(p) = p eq "daemon" ? "1 BAR file via daemon (passthrough=off)" : \
	   p eq "passthrough" ? "2 BAR file, passthrough=all" : \
	   p eq "module" ? "3 module descriptor pread/pwrite" : \
	   p eq "mapping" ? "4 memcpy on a mapping (limit)" : \
	   "5 memcpy on sysfs resourceN mapping"
rows(bar, op, p) = sprintf("< awk -F, '$2 == \"%s\" && $4 == \"%s\" && " . \
	"$5 == \"%s\" && $6 == \"seq\" && $8 == \"%s\" && $10 == \"ok\" " . \
	"{ print $7, $18 }' %s", kernel, bar, op, p, csv)

set multiplot layout 2,2 title heading
do for [bar in "ivshmem-bar2 edu-bar0"] {
	do for [op in "read write"] {
		set title sprintf("%s, sequential %s", bar, op)
		plot for [p in paths] rows(bar, op, p) using 1:2 \
			with linespoints lw 2 pt 7 title label(p)
	}
}
unset multiplot
