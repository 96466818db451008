# pgboot against its peers: peer time / pgboot time per scenario, log scale.
# gnuplot -e "datafile='chart.dat'; outfile='chart.svg'; fmt='svg'" bench/chart.gp
if (!exists("fmt")) fmt = "png"
if (fmt eq "svg") {
	set terminal svg size 1000,560 dynamic font "Helvetica,13" background rgb "white"
} else {
	set terminal pngcairo size 1400,784 font "Helvetica,15" background rgb "white"
}
set output outfile
set datafile missing "NaN"
set title "How much longer each peer takes than pgboot (median of paired runs; higher = pgboot faster)"
set style data histograms
set style histogram clustered gap 1.4
set style fill solid 0.9 border rgb "#333333"
set boxwidth 0.95
set logscale y 10
set yrange [0.3:*]
set ytics ("0.5×" 0.5, "1×" 1, "2×" 2, "5×" 5, "10×" 10, "20×" 20, "50×" 50, "100×" 100, "200×" 200, "500×" 500, "1000×" 1000)
set ylabel "peer time ÷ pgboot time (log scale)"
set grid ytics lc rgb "#dddddd"
set key top left horizontal
set xtics rotate by -20 nomirror offset -2,0
set bmargin 8
set rmargin 6
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "#c0392b" dt 2 front
set label 1 "pgboot = 1×" at graph 0.995, first 0.86 right tc rgb "#c0392b" front
plot datafile using 2:xtic(1) title "dbmate" lc rgb "#2e86c1", \
     '' using 3 title "psql loop" lc rgb "#28b463", \
     '' using 4 title "node-pg-migrate" lc rgb "#f39c12", \
     '' using 5 title "sqitch" lc rgb "#8e44ad"
