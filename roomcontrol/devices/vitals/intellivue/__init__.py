"""Philips IntelliVue MP/MX monitors over the Data Export protocol on the serial MIB/RS232 port.

framing: the serial link's frames (transparency, FCS); messages: the association, event report and remote
operation messages we send and read; driver: the association state machine on a device thread; emulator: a
monitor speaking the same bytes (`roomcontrol simulate-device --protocol intellivue`).
"""
