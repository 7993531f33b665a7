/** Command outputs recorded on real machines (identifiers changed), replayed by the attestation tests. */

export const LSBLK_LUKS_LVM = JSON.stringify({
  blockdevices: [
    {
      name: 'nvme0n1', type: 'disk', mountpoints: [null],
      children: [
        { name: 'nvme0n1p1', type: 'part', mountpoints: ['/boot/efi'] },
        { name: 'nvme0n1p2', type: 'part', mountpoints: ['/boot'] },
        {
          name: 'nvme0n1p3', type: 'part', mountpoints: [null],
          children: [
            {
              name: 'luks-5c2b1e8e-6b1f-4d7e-9a55-0d2f3c4b5a69', type: 'crypt', mountpoints: [null],
              children: [
                { name: 'vgubuntu-root', type: 'lvm', mountpoints: ['/'] },
                { name: 'vgubuntu-swap_1', type: 'lvm', mountpoints: ['[SWAP]'] },
              ],
            },
          ],
        },
      ],
    },
  ],
});

/** util-linux before 2.37: `mountpoint` only. */
export const LSBLK_PLAIN_OLD = JSON.stringify({
  blockdevices: [
    { name: 'sda', type: 'disk', mountpoint: null, children: [
      { name: 'sda1', type: 'part', mountpoint: '/boot/efi' },
      { name: 'sda2', type: 'part', mountpoint: '/' },
    ] },
    { name: 'sdb', type: 'disk', mountpoint: null, children: [
      { name: 'sdb1', type: 'part', mountpoint: null, children: [{ name: 'data', type: 'crypt', mountpoint: '/srv/data' }] },
    ] },
  ],
});

/** A container: `/` is an overlay, on no block device. */
export const LSBLK_CONTAINER = JSON.stringify({ blockdevices: [{ name: 'vda', type: 'disk', mountpoint: null }] });

export const MOUNTINFO_DM = `22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw
23 22 259:2 / /boot rw,relatime shared:2 - ext4 /dev/nvme0n1p2 rw
`;
export const MOUNTINFO_OVERLAY = `512 480 0:123 / / rw,relatime - overlay overlay rw,lowerdir=/a,upperdir=/b,workdir=/c
`;

export const IOREG = `+-o J316sAP  <class IOPlatformExpertDevice, id 0x100000235, registered, matched, active, busy 0 (1 ms), retain 34>
    {
      "IOPolledInterface" = "AppleARMWatchdogTimerHibernateHandler is not serializable"
      "IOPlatformSerialNumber" = "C02XXXXXXXXX"
      "IOPlatformUUID" = "9c1e4a77-0b2f-5d3c-8e6a-1f2b3c4d5e6f"
      "model" = <"MacBookPro18,1">
    }
`;

export const FDESETUP_ON = 'FileVault is On.\n';
export const FDESETUP_OFF = 'FileVault is Off.\n';
export const FDESETUP_DEFERRED = "FileVault is Off, but will be enabled after the next restart.\n";
export const FDESETUP_ENCRYPTING = 'FileVault is On.\nEncryption in progress: Percent completed = 42.0\n';

export const REG_MACHINE_GUID = `
HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography
    MachineGuid    REG_SZ    6F1A2B3C-4D5E-6F70-8192-A3B4C5D6E7F8

`;

export const MANAGE_BDE_ON = `BitLocker Drive Encryption: Configuration Tool version 10.0.22621
Copyright (C) 2013 Microsoft Corporation. All rights reserved.

Volume C: [Windows]
[OS Volume]

    Size:                 475.83 GB
    BitLocker Version:    2.0
    Conversion Status:    Used Space Only Encrypted
    Percentage Encrypted: 100.0%
    Encryption Method:    XTS-AES 128
    Protection Status:    Protection On
    Lock Status:          Unlocked
    Identification Field: Unknown
    Key Protectors:
        TPM
        Numerical Password
`;

export const MANAGE_BDE_OFF = MANAGE_BDE_ON.replace('Protection On', 'Protection Off').replace('Used Space Only Encrypted', 'Fully Decrypted');

export const MANAGE_BDE_DENIED = `BitLocker Drive Encryption: Configuration Tool version 10.0.22621
Copyright (C) 2013 Microsoft Corporation. All rights reserved.

ERROR: An attempt to access a required resource was denied.
Check that you have administrative rights on the computer.
`;
