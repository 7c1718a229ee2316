// The commented default /etc/mdctl/config.yaml that `install` puts into an image (every key commented out).

export function defaultConfigText(): string {
  return [
    '# /etc/mdctl/config.yaml: configuration of mdctl, the OpenStack metadata client; see mdctl(1).',
    '# Every key is optional: with everything commented out mdctl uses its defaults.',
    '# Unknown keys and values of the wrong type are refused, naming the key.',
    '# `mdctl install` writes this file only when there is none, and never changes it afterwards.',
    '',
    "# The user whose ~/.ssh/authorized_keys receives the instance's public keys",
    '# (default: the first login user with uid >= 1000 in /etc/passwd, else root; --user wins).',
    '#user: debian',
    '',
    '# Which appliers run (default: all of them; --only and --skip win).',
    '#only: [hostname, ssh-keys, routes]',
    '#skip: [routes]',
    '',
    '# Plugin appliers: ES modules whose default export is an Applier, run after the built-ins.',
    "# Relative paths are taken from this file's directory.",
    '#appliers:',
    '#  - /usr/local/lib/mdctl/motd.mjs',
    '',
    '# Seconds `mdctl boot` keeps trying to reach the metadata service (--timeout wins).',
    '#boot_timeout: 120',
    '',
    '# File systems a config drive labelled config-2 may be mounted with (default: the ones Nova',
    '# writes, iso9660 and vfat). Any other type listed here gets its kernel driver used on the drive.',
    '#config_drive: {filesystems: [iso9660, vfat]}',
    '',
  ].join('\n');
}
