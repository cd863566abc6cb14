"""`micro profile`: what each op of a model's invoke costs.

    emulator.py         on an emulated board (QEMU): exact instructions per op from micro's TCG plugin
                        (micro/deploy/qemu_plugin/mn_icount.c) between the per-op marks of the profile firmware
    cortex_m4.py        the Cortex-M4 timing model: instruction classes and an ESTIMATE of cycles per op
    hifi4.py            --kernels hifi4: an analytical HiFi 4 cycle ESTIMATE per op (bundle slots), nothing run
    host.py             on this machine: nanoseconds per op (median of repeated invokes), mn_profile_host.c
    report.py           the rows (index, type, shapes, MACs, cost, share), table, JSON, baseline files
    chart.py            the bar chart (--png)

The marks: the generated invoke has MN_PROFILE_MARK(k) before op k and MN_PROFILE_MARK(-1) after the last;
they compile to nothing unless MN_PROFILE is defined (only the profile builds define it), so the normal
build's code is untouched (tests/profile/test_profile.py checks the ELF).
"""
