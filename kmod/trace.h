/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - the module's tracepoints, aperture_io:*, for perf, trace-cmd,
 * bpftrace and `aperture trace`: every open of a BAR, every read and
 * write (on every path: the daemon's, FUSE passthrough's and a
 * descriptor's own), every mmap, and every refusal.  Each names the
 * function (domain, bus, devfn), the BAR, the offset and the length; a
 * read or write of at most 8 bytes carries its value (the bytes, little
 * endian; 0 for longer transfers).  Accesses through a mapping are CPU
 * loads and stores: no tracepoint sees them.
 *
 * main.c defines CREATE_TRACE_POINTS before including this file.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM aperture_io

#if !defined(APERTURE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define APERTURE_TRACE_H

#include <linux/pci.h>
#include <linux/tracepoint.h>

/* What a refusal refused (aperture_io_refuse.op). */
#define APERTURE_TRACE_OPEN	0
#define APERTURE_TRACE_READ	1
#define APERTURE_TRACE_WRITE	2
#define APERTURE_TRACE_MMAP	3

#define APERTURE_TRACE_FN_FIELDS		\
	__field(u32, domain)			\
	__field(u8, bus)			\
	__field(u8, devfn)			\
	__field(u8, bar)

#define APERTURE_TRACE_FN_ASSIGN(pdev, index)			\
	__entry->domain = pci_domain_nr((pdev)->bus);		\
	__entry->bus = (pdev)->bus->number;			\
	__entry->devfn = (pdev)->devfn;				\
	__entry->bar = (index)

#define APERTURE_TRACE_FN_FMT	"dev=%04x:%02x:%02x.%u bar=%u"
#define APERTURE_TRACE_FN_ARGS	__entry->domain, __entry->bus,	\
	PCI_SLOT(__entry->devfn), PCI_FUNC(__entry->devfn), __entry->bar

TRACE_EVENT(aperture_io_open,
	TP_PROTO(struct pci_dev *pdev, unsigned int bar, int fd),
	TP_ARGS(pdev, bar, fd),
	TP_STRUCT__entry(
		APERTURE_TRACE_FN_FIELDS
		__field(int, fd)
	),
	TP_fast_assign(
		APERTURE_TRACE_FN_ASSIGN(pdev, bar);
		__entry->fd = fd;
	),
	TP_printk(APERTURE_TRACE_FN_FMT " fd=%d", APERTURE_TRACE_FN_ARGS,
		  __entry->fd)
);

DECLARE_EVENT_CLASS(aperture_io_access,
	TP_PROTO(struct pci_dev *pdev, unsigned int bar, u64 off, u64 len,
		 u64 val),
	TP_ARGS(pdev, bar, off, len, val),
	TP_STRUCT__entry(
		APERTURE_TRACE_FN_FIELDS
		__field(u64, off)
		__field(u64, len)
		__field(u64, val)
	),
	TP_fast_assign(
		APERTURE_TRACE_FN_ASSIGN(pdev, bar);
		__entry->off = off;
		__entry->len = len;
		__entry->val = val;
	),
	TP_printk(APERTURE_TRACE_FN_FMT " off=0x%llx len=%llu val=0x%llx",
		  APERTURE_TRACE_FN_ARGS, __entry->off, __entry->len,
		  __entry->val)
);

DEFINE_EVENT(aperture_io_access, aperture_io_read,
	TP_PROTO(struct pci_dev *pdev, unsigned int bar, u64 off, u64 len,
		 u64 val),
	TP_ARGS(pdev, bar, off, len, val));

DEFINE_EVENT(aperture_io_access, aperture_io_write,
	TP_PROTO(struct pci_dev *pdev, unsigned int bar, u64 off, u64 len,
		 u64 val),
	TP_ARGS(pdev, bar, off, len, val));

DEFINE_EVENT(aperture_io_access, aperture_io_mmap,
	TP_PROTO(struct pci_dev *pdev, unsigned int bar, u64 off, u64 len,
		 u64 val),
	TP_ARGS(pdev, bar, off, len, val));

TRACE_EVENT(aperture_io_refuse,
	TP_PROTO(struct pci_dev *pdev, unsigned int bar, unsigned int op,
		 u64 off, u64 len, int err),
	TP_ARGS(pdev, bar, op, off, len, err),
	TP_STRUCT__entry(
		APERTURE_TRACE_FN_FIELDS
		__field(u8, op)
		__field(u64, off)
		__field(u64, len)
		__field(int, err)
	),
	TP_fast_assign(
		APERTURE_TRACE_FN_ASSIGN(pdev, bar);
		__entry->op = op;
		__entry->off = off;
		__entry->len = len;
		__entry->err = err;
	),
	TP_printk(APERTURE_TRACE_FN_FMT " op=%s off=0x%llx len=%llu err=%d",
		  APERTURE_TRACE_FN_ARGS,
		  __print_symbolic(__entry->op,
				   { APERTURE_TRACE_OPEN, "open" },
				   { APERTURE_TRACE_READ, "read" },
				   { APERTURE_TRACE_WRITE, "write" },
				   { APERTURE_TRACE_MMAP, "mmap" }),
		  __entry->off, __entry->len, __entry->err)
);

#endif /* APERTURE_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
